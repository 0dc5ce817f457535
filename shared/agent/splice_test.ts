import assert from "node:assert/strict";
import net from "node:net";
import { splice } from "./splice.ts";

/** A connected pair of loopback sockets: [client side, server side]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
  const client = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  const peer = await accepted;
  server.close();
  return [client, peer];
}

Deno.test("splice() resumes a reader left paused while its writer has nothing queued", async () => {
  // app ⇄ a (spliced to b) ⇄ sink: a stalled reader is simulated by pausing `a` by hand, which is
  // the state pipe() leaves behind when a 'drain' never comes.
  const [app, a] = await socketPair();
  const [b, sink] = await socketPair();
  splice(a, b);
  let received = "";
  sink.on("data", (d: Uint8Array) => (received += new TextDecoder().decode(d)));
  app.write("one ");
  await new Promise((r) => setTimeout(r, 100));
  a.pause();
  app.write("two");
  const deadline = Date.now() + 3_000;
  while (received !== "one two" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(received, "one two");
  for (const s of [app, a, b, sink]) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
});
