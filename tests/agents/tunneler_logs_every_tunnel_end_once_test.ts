/**
 * A tunneler (its Forwarder beside a real connector listener, real TLS on loopback) logs every
 * tunnel's end once: `tunnel ended` with the bytes each way and who closed it (the local client,
 * the connector) or the error; when the connector side closes, the local client's connection is
 * closed too. A killed connector's clean FIN must end its tunnels with a line as well as a reset.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { concatBytes } from "../../shared/bytes.ts";
import { waitFor } from "../support/wait_for.ts";
import { echoServer, forwardTo, rig, roundTrip } from "./_fixture.ts";

const dec = new TextDecoder();

/** The `tunnel ended` lines of `log`, once there are `n` (fails after 5 s naming the log). */
function ended(log: string[], n = 1): Promise<string[]> {
  return waitFor(
    `${n} "tunnel ended" line(s) in\n${log.join("\n")}`,
    () => {
      const lines = log.filter((l) => l.includes("tunnel ended"));
      return Promise.resolve(lines.length >= n ? lines : undefined);
    },
    5_000,
    20,
  );
}

/** A resource that sends `text` to each connection and closes it at once. */
async function speaksAndHangsUp(text: string): Promise<{ port: number } & AsyncDisposable> {
  const server = net.createServer((s) => {
    s.on("error", () => {});
    s.end(text);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Connects to the forward: what it received so far, and once closed, all of it and whether it saw the end. */
function readUntilClosed(port: number): {
  socket: net.Socket;
  received(): string;
  done: Promise<{ data: string; ended: boolean }>;
} {
  const socket = net.connect(port, "127.0.0.1");
  const parts: Uint8Array[] = [];
  let ended = false;
  socket.on("data", (c: Uint8Array) => parts.push(c));
  socket.on("end", () => ended = true);
  socket.on("error", () => {});
  const done = new Promise<{ data: string; ended: boolean }>((r) =>
    socket.once("close", () => r({ data: dec.decode(concatBytes(parts)), ended }))
  );
  return { socket, received: () => dec.decode(concatBytes(parts)), done };
}

/** A connection through the forward at `port` that has sent "hold" and seen its echo: a live tunnel. */
async function liveTunnel(port: number): Promise<ReturnType<typeof readUntilClosed>> {
  const client = readUntilClosed(port);
  client.socket.write("hold");
  await waitFor(
    "the echo through the live tunnel",
    () => Promise.resolve(client.received() === "hold" || undefined),
    5_000,
    20,
  );
  return client;
}

/** `log` holds exactly one `tunnel ended` line. */
function assertEndedOnce(log: string[]): void {
  assert.deepEqual(log.filter((l) => l.includes("tunnel ended")).length, 1, log.join("\n"));
}

Deno.test("a tunnel the local client closes first is logged once with its bytes, closed_by=client", async () => {
  await using echo = await echoServer();
  await using r = await rig(forwardTo(echo.port));
  assert.deepEqual(
    dec.decode(await roundTrip(r.forwarder.ports[0]!, new TextEncoder().encode("one"))),
    "onebye",
  );
  const [line] = await ended(r.tunnelerLog);
  assert.match(line!, /INFO/);
  assert.match(line!, /connector=c1/);
  assert.match(line!, /closed_by=client/);
  assert.match(line!, /bytes_to_connector=3\b/);
  assert.match(line!, /bytes_from_connector=6\b/);
  assertEndedOnce(r.tunnelerLog);
});

Deno.test("a tunnel the connector side closes first closes the local client and is logged once, closed_by=connector", async () => {
  await using resource = await speaksAndHangsUp("hello");
  await using r = await rig(forwardTo(resource.port));
  const client = readUntilClosed(r.forwarder.ports[0]!);
  assert.deepEqual(await client.done, { data: "hello", ended: true });
  const [line] = await ended(r.tunnelerLog);
  assert.match(line!, /closed_by=connector/);
  assert.match(line!, /bytes_to_connector=0\b/);
  assert.match(line!, /bytes_from_connector=5\b/);
  assertEndedOnce(r.tunnelerLog);
});

Deno.test("a connector going away ends its live tunnel with one line naming it and closes the local client", async () => {
  await using echo = await echoServer();
  await using r = await rig(forwardTo(echo.port));
  const client = await liveTunnel(r.forwarder.ports[0]!);
  // The connector's sockets go away as a killed process's do: the kernel's FIN, no close_notify.
  await r.listener.close(0);
  assert.deepEqual(await client.done, { data: "hold", ended: true });
  const [line] = await ended(r.tunnelerLog);
  assert.match(line!, /tunnel ended.*connector=c1.*(closed_by=connector|error=)/);
  assertEndedOnce(r.tunnelerLog);
});

Deno.test("a live tunnel the stopping tunneler closes is logged once, closed_by=tunneler, and its client closed", async () => {
  await using echo = await echoServer();
  await using r = await rig(forwardTo(echo.port));
  const client = await liveTunnel(r.forwarder.ports[0]!);
  await r.forwarder.close(0);
  assert.deepEqual(await client.done, { data: "hold", ended: true });
  const [line] = await ended(r.tunnelerLog);
  assert.match(line!, /closed_by=tunneler bytes_to_connector=4 bytes_from_connector=4$/);
  assertEndedOnce(r.tunnelerLog);
});
