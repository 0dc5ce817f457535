import assert from "node:assert/strict";
import type tls from "node:tls";
import { concatBytes } from "../bytes.ts";
import { closeQuietly, splice } from "./splice.ts";
import { connPair, flood, floodStalled, readAll, tlsPair, writeAll } from "./testing_sockets.ts";

/**
 * app (Deno.Conn) ⇄ [conn ⇄ splice ⇄ tls.server] ⇄ tls.client (the far end of the tunnel).
 * The splice joins the accepted plain connection to the server end of a TLS connection.
 */
async function splicedTunnel(idleTimeoutMs = 0) {
  const pair = await tlsPair();
  const [app, conn] = await connPair();
  const s = splice(pair.server, conn, { idleTimeoutMs });
  const close = () => (s.close(), pair.close(), closeQuietly(app));
  return { app, far: pair.client, s, close, [Symbol.dispose]: close };
}

/** Everything `socket` receives until its end-of-stream. */
function received(socket: tls.TLSSocket): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    socket.on("data", (d: Uint8Array) => parts.push(new Uint8Array(d)));
    socket.once("end", () => resolve(concatBytes(parts)));
    socket.once("error", reject);
  });
}

/** Bytes whose every 4-byte word holds its offset plus `seed`: overwritten or reordered chunks show. */
function numbered(bytes: number, seed = 0): Uint8Array {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bytes; i += 4) view.setUint32(i, i + seed);
  return out;
}

Deno.test("splice() carries 8 MiB each way, passes each half-close on, counts bytes, then closes", async () => {
  using t = await splicedTunnel();
  const up = numbered(8 * 1024 * 1024, 1), down = numbered(8 * 1024 * 1024, 2);
  const farGot = received(t.far);
  // The app sends and half-closes first; the far end answers after it saw that end-of-stream.
  await writeAll(t.app, up);
  await t.app.closeWrite();
  assert.deepEqual(await farGot, up);
  t.far.end(down);
  assert.deepEqual(await readAll(t.app), down);
  assert.equal(await t.s.closed, undefined);
  assert.equal(t.s.bytesFromConn, up.length);
  assert.equal(t.s.bytesToConn, down.length);
});

Deno.test("splice() delivers 32 MiB intact and in order to an app that reads slowly", async () => {
  using t = await splicedTunnel();
  const down = numbered(32 * 1024 * 1024);
  t.far.end(down);
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(48 * 1024);
  for (let n = await t.app.read(buffer), i = 0; n !== null; n = await t.app.read(buffer), i++) {
    parts.push(buffer.slice(0, n));
    if (i % 4 === 0) await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(concatBytes(parts).every((b, i) => b === down[i]), "bytes arrived changed or out of order");
  assert.equal(t.s.bytesToConn, down.length);
});

Deno.test("splice() carries 32 MiB intact and in order from the app to a far end that reads slowly", async () => {
  using t = await splicedTunnel();
  const up = numbered(32 * 1024 * 1024, 7);
  const parts: Uint8Array[] = [];
  let chunks = 0;
  const farEnded = new Promise<void>((resolve) => {
    t.far.on("data", (d: Uint8Array) => {
      parts.push(new Uint8Array(d));
      // Pausing now and then keeps the splice's read buffers waiting on the TLS socket.
      if (++chunks % 8 === 0) {
        t.far.pause();
        setTimeout(() => t.far.resume(), 2);
      }
    });
    t.far.once("end", resolve);
  });
  await writeAll(t.app, up);
  await t.app.closeWrite();
  await farEnded;
  assert.ok(concatBytes(parts).every((b, i) => b === up[i]), "bytes arrived changed or out of order");
  assert.equal(t.s.bytesFromConn, up.length);
});

Deno.test("splice() holds the far sender back while the plain side does not read", async () => {
  using t = await splicedTunnel();
  const progress = flood(t.far, 512 * 1024 * 1024);
  await floodStalled(progress);
  // Socket buffers plus the splice's 1 MiB queue; without backpressure it would be all 512.
  assert.ok(
    progress.sent < 48 * 1024 * 1024,
    `${progress.sent} bytes went out towards an app that reads nothing`,
  );
  assert.ok(t.s.bytesToConn < 48 * 1024 * 1024);
});

Deno.test("splice() closes both sides after the idle timeout, and traffic keeps it open", async () => {
  using t = await splicedTunnel(400);
  t.far.on("data", () => {});
  for (let i = 0; i < 6; i++) {
    await writeAll(t.app, new Uint8Array([i]));
    await new Promise((r) => setTimeout(r, 150));
  }
  const started = Date.now();
  const error = await t.s.closed;
  assert.match(String(error), /idle for 400 ms/);
  assert.ok(Date.now() - started < 1_000);
  // 6 × 150 ms of traffic outlived 400 ms, so activity did reset the timer.
  assert.equal(t.s.bytesFromConn, 6);
  assert.equal(await t.app.read(new Uint8Array(1)), null);
});

Deno.test("splice() passes on the far end going away, and ends once the app closes too", async () => {
  using t = await splicedTunnel();
  t.far.destroy();
  assert.equal(await t.app.read(new Uint8Array(1)), null);
  t.app.close();
  assert.equal(await t.s.closed, undefined);
});

Deno.test("close() stops a splice at once", async () => {
  using t = await splicedTunnel();
  const farEnded = new Promise((r) => t.far.once("end", r));
  t.far.on("data", () => {});
  t.s.close(new Error("removed from the allowlist"));
  assert.match(String(await t.s.closed), /removed from the allowlist/);
  await farEnded;
});

Deno.test("endedFirst names the side whose end came first, and neither when closed from outside", async () => {
  {
    using t = await splicedTunnel();
    t.far.on("data", () => {});
    t.far.end();
    assert.equal(await t.app.read(new Uint8Array(1)), null);
    await t.app.closeWrite();
    assert.equal(await t.s.closed, undefined);
    assert.equal(t.s.endedFirst, "tls");
  }
  {
    using t = await splicedTunnel();
    const farEnded = new Promise((r) => t.far.once("end", r));
    t.far.on("data", () => {});
    await t.app.closeWrite();
    await farEnded;
    t.far.end();
    assert.equal(await t.s.closed, undefined);
    assert.equal(t.s.endedFirst, "conn");
  }
  {
    using t = await splicedTunnel();
    t.far.on("data", () => {});
    t.s.close();
    assert.equal(await t.s.closed, undefined);
    assert.equal(t.s.endedFirst, undefined);
  }
});
