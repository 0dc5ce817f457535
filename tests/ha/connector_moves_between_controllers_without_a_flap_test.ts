/**
 * Presence across controllers, real processes: a connector streaming from controller 0 is ONLINE
 * in controller 1's admin API; controller 0 is killed (SIGKILL) and the connector moves to
 * controller 1 without an OFFLINE or a second ONLINE event: controller 1 logs the move, then the
 * dead controller's lease ending with no agent orphaned (the sign that no OFFLINE can follow).
 * The connector's graceful stop afterwards completes the trail: one ONLINE, then the goodbye.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { startHa } from "./_ha.ts";
import { startConnector, statusIn, statusTrail, waitForStatus } from "./_presence.ts";

etcdTest("a connector moving from a killed controller to the other is not a flap", async () => {
  await using ha = await startHa(2);
  const [c0, c1] = [ha.controllers[0]!, ha.controllers[1]!];
  const connector = await startConnector(ha, "c1", [c0.grpcAddr, c1.grpcAddr]);
  try {
    await waitForStatus(c1, "c1", "ONLINE");
    assert.deepEqual(await statusIn(c0, "c1"), "ONLINE");
    await c0.process.stop("SIGKILL");
    await connector.waitForLine(new RegExp(`control-plane stream connected.*${c1.grpcAddr}`), 30_000);
    await c1.process.waitForLine("connector moved here from another controller", 10_000);
    await c1.process.waitForLine(/controller gone: its presence keys vanished.*orphaned\W+0/, 15_000);
    assert.deepEqual(await statusIn(c1, "c1"), "ONLINE");
    await connector.stop();
    await waitFor("the goodbye", async () => (await statusTrail(c1, "c1")).length >= 2 || undefined, 15_000);
    assert.deepEqual(await statusTrail(c1, "c1"), ["connector.online", "connector.offline(goodbye)"]);
    assert.deepEqual(await statusIn(c1, "c1"), "OFFLINE");
  } finally {
    await connector.stop();
  }
});
