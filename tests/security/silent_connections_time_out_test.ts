/**
 * Row 8 of the review: 400 silent TCP connections to the connector were all still open after
 * 190 s. Now a connection that has not finished its TLS handshake is closed after the handshake
 * timeout, unfinished handshakes are bounded (the excess is closed at once and counted in a
 * rate-limited warn), and a verified tunneler that never sends its hello is closed after the
 * hello timeout; a well-behaved tunneler keeps working throughout.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { echoServer, forwardTo, rig, roundTripText } from "../agents/_fixture.ts";
import { closed, silentPeers } from "./_hostile_peer.ts";
import { waitFor } from "../support/wait_for.ts";
import { within } from "../support/within.ts";

type Rig = Awaited<ReturnType<typeof rig>>;

/**
 * Runs `body` on a rig and closes it within 5 s: a listener that never closes its silent
 * connections fails the test instead of hanging the run.
 */
async function withRig(opts: Parameters<typeof rig>[0], body: (r: Rig) => Promise<void>): Promise<void> {
  const r = await rig(opts);
  try {
    await body(r);
  } finally {
    await within(r.close(), 5_000, "closing the listener");
  }
}

Deno.test("silent TCP connections are closed after the handshake timeout while a tunneler keeps working", async () => {
  await using echo = await echoServer();
  using peers = silentPeers();
  await withRig({
    ...forwardTo(echo.port),
    listener: { handshakeTimeoutMs: 1_500 },
  }, async (r) => {
    const sockets = await Promise.all(Array.from({ length: 40 }, () => peers.open(r.connectorPort)));
    const started = Date.now();
    const allClosed = Promise.all(sockets.map((s) => closed(s, 10_000)));
    // Meanwhile the real tunneler opens a tunnel and carries bytes.
    assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "hi"), "hibye");
    await allClosed;
    const took = Date.now() - started;
    assert.ok(took >= 1_000, `closed after ${took} ms, before the timeout`);
    assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "again"), "againbye");
  });
});

Deno.test("connections over the unfinished handshake bound are closed at once and counted in one warn", async () => {
  await using echo = await echoServer();
  using peers = silentPeers();
  await withRig({
    ...forwardTo(echo.port),
    listener: { handshakeTimeoutMs: 2_000, maxPendingHandshakes: 4 },
  }, async (r) => {
    const held = await Promise.all(Array.from({ length: 4 }, () => peers.open(r.connectorPort)));
    const stillOpen = held.map((s) => {
      let open = true;
      s.once("end", () => open = false);
      s.once("close", () => open = false);
      return () => open;
    });
    // The excess never waits for the timeout: it is closed while the older held ones are open.
    const excess = await Promise.all(Array.from({ length: 6 }, () => peers.open(r.connectorPort)));
    await Promise.all(excess.map((s) => closed(s, 5_000)));
    assert.deepEqual(stillOpen.map((f) => f()), [true, true, true, true]);
    assert.deepEqual(r.listener.stats().pendingHandshakes, 4);
    const warns = r.connectorLog.filter((l) =>
      l.includes("closed connections over the unfinished handshake limit")
    );
    assert.deepEqual(warns.length, 1, r.connectorLog.join("\n"));
    assert.ok(warns[0]!.includes("limit=4"), warns[0]!);
    // The held connections time out; their slots are free again for a real tunneler.
    await Promise.all(held.map((s) => closed(s, 10_000)));
    await waitFor(
      "the listener to release the timed-out handshakes",
      () => Promise.resolve(r.listener.stats().pendingHandshakes === 0 || undefined),
      5_000,
      20,
    );
    assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "hi"), "hibye");
  });
});

Deno.test("a verified tunneler that never sends its hello is closed after the hello timeout", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
    listener: { helloTimeoutMs: 500 },
  });
  const svid = r.tunnelerCreds.svid;
  const mute = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port: r.connectorPort,
      cert: svid.certPem,
      key: svid.keyPem,
      rejectUnauthorized: false,
    } as tls.ConnectionOptions, () => resolve(s));
    s.once("error", reject);
  });
  mute.on("error", () => {});
  try {
    await closed(mute, 5_000);
  } finally {
    mute.destroy();
  }
  assert.ok(
    r.connectorLog.some((l) => l.includes("bad tunnel hello") && l.includes("no frame within 500 ms")),
    r.connectorLog.join("\n"),
  );
  assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "hi"), "hibye");
});
