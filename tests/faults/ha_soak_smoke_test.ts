/**
 * The soak (tests/soak/, `deno task test:soak`) in a 20-second version, so the default run keeps it
 * working: a controller restarted midway under traffic through two connectors, 20-second
 * certificates, zero broken tunneled connections and zero agents OFFLINE.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { runSoak } from "../soak/soak.ts";

etcdTest("soak smoke: 20 s with a controller restarted midway, nothing broken, nobody OFFLINE", async () => {
  const r = await runSoak(1 / 3);
  assert.deepEqual(r.brokenLong, []);
  assert.deepEqual(r.brokenShort, []);
  assert.deepEqual(r.offlineTransitions, []);
  assert.ok(r.shortConnections >= 40, `short connections: ${r.shortConnections}`);
  assert.ok(r.bytesThroughTunnels > 1_000_000, `bytes: ${r.bytesThroughTunnels}`);
  assert.ok(r.restartMovedMs >= 0 && r.restartMovedMs < 30_000, `moved after ${r.restartMovedMs} ms`);
});
