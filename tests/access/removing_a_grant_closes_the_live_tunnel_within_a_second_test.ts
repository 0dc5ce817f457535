/**
 * Real controller and connector processes: a tunneler holds two live tunnels, to "a" and "b",
 * granted by two policies. Deleting the policy of "a" closes that tunnel within a second, and
 * only that one: the tunnel to "b" still carries bytes.
 */
import assert from "node:assert/strict";
import type { TLSSocket } from "node:tls";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "../agents/_fixture.ts";
import { startCluster } from "../agents/_cluster.ts";
import { openTunnel, putAll, tunnelerCreds } from "./_access.ts";
import { within } from "../support/within.ts";

/** Resolves with the next bytes the socket receives (within 5 s). */
function next(socket: TLSSocket): Promise<string> {
  return within(
    new Promise((r) => socket.once("data", (c: Uint8Array) => r(new TextDecoder().decode(c)))),
    5_000,
    "the echo",
  );
}

Deno.test("removing a grant closes the live tunnel within a second, and only that tunnel", async () => {
  await using dir = await tempDir();
  await using a = await echoServer();
  await using b = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const port = freePort();
    const connector = await c.runConnector("c1", port);
    await putAll(c, [
      ["/api/admin/resources/a", { address: `127.0.0.1:${a.port}`, connectors: ["c1"] }],
      ["/api/admin/resources/b", { address: `127.0.0.1:${b.port}`, connectors: ["c1"] }],
      ["/api/admin/policies/pa", { tunnelers: ["t1"], resources: ["a"] }],
      ["/api/admin/policies/pb", { tunnelers: ["t1"], resources: ["b"] }],
    ]);
    await connector.waitForLine(/configuration applied.*granted_tunnelers=1/, 5_000);
    const t1 = await tunnelerCreds(c, "t1");
    const { socket: toA } = await openTunnel(t1, port, "a");
    const { socket: toB } = await openTunnel(t1, port, `127.0.0.1:${b.port}`);
    for (const s of [toA, toB]) s.resume();
    const gotA = next(toA);
    toA.write("ping-a");
    assert.equal(await gotA, "ping-a");
    // The connector ends the tunnel: our side sees the end of the stream (it is half-open until we end).
    const closedA = new Promise<number>((r) => {
      toA.once("end", () => r(performance.now()));
      toA.once("close", () => r(performance.now()));
    });

    const removedAt = performance.now();
    assert.equal((await c.admin("DELETE", "/api/admin/policies/pa")).status, 204);
    const ms = await within(closedA, 5_000, 'closing the tunnel to "a"').catch((e) => {
      throw new Error(`${e.message}; connector output:\n${connector.lines.join("\n")}`);
    }) - removedAt;
    assert.ok(ms < 1_000, `the tunnel to "a" closed ${ms.toFixed(0)} ms after the grant was removed`);
    assert.ok(!toB.destroyed, "the tunnel to b was closed too");
    const gotB = next(toB);
    toB.write("ping-b");
    assert.equal(await gotB, "ping-b");
    toB.destroy();
    await connector.waitForLine(/closing tunnels no longer allowed.*tunnels=1/, 1_000);
  } finally {
    await c.close();
  }
});
