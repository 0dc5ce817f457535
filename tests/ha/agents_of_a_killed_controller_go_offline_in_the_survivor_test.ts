/**
 * Presence across controllers, real processes: a connector that knows only controller 0 is ONLINE
 * in controller 1's admin API. Controller 0 is killed (SIGKILL, no lease revoked): its keys vanish
 * with its lease, the connector stays ONLINE in controller 1 for OFFLINE_AFTER (3 s) in which it
 * could reconnect anywhere, then goes OFFLINE there, with one OFFLINE event in the trail.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { startHa } from "./_ha.ts";
import { startConnector, statusIn, statusTrail, waitForStatus } from "./_presence.ts";

etcdTest("the agents of a killed controller go OFFLINE in the survivor after OFFLINE_AFTER", async () => {
  await using ha = await startHa(2);
  const [c0, c1] = [ha.controllers[0]!, ha.controllers[1]!];
  const connector = await startConnector(ha, "c1", [c0.grpcAddr]);
  try {
    await waitForStatus(c1, "c1", "ONLINE");
    await c0.process.stop("SIGKILL");
    await c1.process.waitForLine(/controller gone: its presence keys vanished.*orphaned\W+1/, 15_000);
    const goneAt = Date.now();
    assert.deepEqual(await statusIn(c1, "c1"), "ONLINE");
    await waitForStatus(c1, "c1", "OFFLINE", 10_000);
    const took = Date.now() - goneAt;
    assert.ok(took >= 2_500, `OFFLINE ${took} ms after the lease vanished, before OFFLINE_AFTER (3 s)`);
    await waitFor(
      "the OFFLINE event",
      async () => (await statusTrail(c1, "c1")).length >= 2 || undefined,
      10_000,
    );
    assert.deepEqual(await statusTrail(c1, "c1"), ["connector.online", "connector.offline"]);
  } finally {
    await connector.stop();
  }
});
