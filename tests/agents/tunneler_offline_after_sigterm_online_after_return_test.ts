/**
 * Real processes: a tunneler stopped with SIGTERM exits 0 and is listed OFFLINE within
 * OFFLINE_AFTER (3 s here) with one event; started again without a token it runs on its stored
 * identity, is ONLINE again and its forward works (3.2 from its side; the connector's
 * OFFLINE/ONLINE is covered by tests/e2e/demo_topology_test.ts).
 */
import assert from "node:assert/strict";
import { roundTripText } from "./_fixture.ts";
import { clusterWithEcho, connectorAndTunneler } from "./_cluster.ts";

Deno.test("a tunneler is OFFLINE after SIGTERM and ONLINE again when it returns without a token", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const { tunneler, fwdPort, listenPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
  const tunnelerEnv = c.tunnelerEnv("t1", listenPort, `127.0.0.1:${fwdPort}=127.0.0.1:${echo.port}`);

  await c.waitForStatus("tunnelers", "t1", "ONLINE");
  assert.deepEqual(await tunneler.stop(), 0);
  assert.ok(tunneler.lines.some((l) => l.includes("stopping: draining open connections")));
  const stoppedAt = Date.now();
  await c.waitForStatus("tunnelers", "t1", "OFFLINE", 10_000);
  assert.ok(Date.now() - stoppedAt < 8_000, `OFFLINE after ${Date.now() - stoppedAt} ms`);
  const events = (await c.admin("GET", "/api/admin/events?kind=tunneler.offline")).body.events;
  assert.deepEqual(events.length, 1, JSON.stringify(events));

  const back = c.start("tunneler", ["run"], tunnelerEnv);
  await back.waitForLine("control-plane stream connected", 20_000);
  assert.ok(!back.lines.some((l) => l.includes("enrolling")), back.lines.join("\n"));
  await c.waitForStatus("tunnelers", "t1", "ONLINE");
  assert.deepEqual(await roundTripText(fwdPort, "back"), "backbye");
  assert.deepEqual((await c.admin("GET", "/api/admin/events?kind=tunneler.online")).body.events.length, 2);
});
