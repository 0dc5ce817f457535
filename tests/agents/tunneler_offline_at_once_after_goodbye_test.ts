/**
 * Real processes: a tunneler stopped with SIGTERM says goodbye through its connector and is
 * OFFLINE in the admin API at once: OFFLINE_AFTER is 60 s here and the test waits at most 5 s.
 */
import assert from "node:assert/strict";

import { clusterWithEcho, connectorAndTunneler } from "./_cluster.ts";

Deno.test("a tunneler stopped with SIGTERM is OFFLINE at once, well before OFFLINE_AFTER", async () => {
  await using rig = await clusterWithEcho({ OFFLINE_AFTER: "60s" });
  const { c, echo } = rig;
  const { tunneler } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
  await c.waitForStatus("tunnelers", "t1", "ONLINE", 20_000);
  const stoppedAt = Date.now();
  assert.deepEqual(await tunneler.stop(), 0);
  await c.waitForStatus("tunnelers", "t1", "OFFLINE", 5_000);
  assert.ok(Date.now() - stoppedAt < 5_000, `OFFLINE after ${Date.now() - stoppedAt} ms`);
  const events = (await c.admin("GET", "/api/admin/events?kind=tunneler.offline")).body.events;
  assert.deepEqual(events.length, 1, JSON.stringify(events));
});
