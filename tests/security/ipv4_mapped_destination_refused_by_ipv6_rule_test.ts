/**
 * Row 9 of the review: a resource rule `[::/0]:P` admitted `[::ffff:127.0.0.1]:P`, an IPv4
 * destination. An IPv4-mapped IPv6 destination is the IPv4 address: an IPv6-only rule refuses
 * it, an IPv4 rule admits it and the connector dials IPv4.
 */
import assert from "node:assert/strict";
import { dialConnector } from "../../tunneler/dialer.ts";
import { echoServer, openFrame, refusal, rig } from "../agents/_fixture.ts";

const dec = new TextDecoder();

Deno.test("an IPv4-mapped destination is refused by an IPv6-only rule, in both spellings", async () => {
  await using echo = await echoServer();
  await using r = await rig({ forwards: "", resources: [`[::/0]:${echo.port}`] });
  for (const dest of [`[::ffff:127.0.0.1]:${echo.port}`, `[::ffff:7f00:1]:${echo.port}`]) {
    assert.deepEqual(await refusal(r.dial(), dest), `resource not allowed: "${dest}"`);
    assert.ok(
      r.connectorLog.some((l) => l.includes("tunnel refused") && l.includes(dest)),
      r.connectorLog.join("\n"),
    );
  }
});

Deno.test("an IPv4-mapped destination is admitted by an IPv4 rule and carries bytes", async () => {
  await using echo = await echoServer();
  await using r = await rig({ forwards: "", resources: [`127.0.0.0/8:${echo.port}`] });
  const { socket } = await dialConnector(r.dial(), openFrame(`[::ffff:7f00:1]:${echo.port}`));
  const got: Uint8Array[] = [];
  socket.on("data", (c: Uint8Array) => got.push(c));
  const ended = new Promise((res) => socket.once("end", res));
  socket.resume();
  socket.end("ping");
  await ended;
  socket.destroy();
  assert.deepEqual(dec.decode(new Uint8Array(got.flatMap((c) => [...c]))), "pingbye");
});
