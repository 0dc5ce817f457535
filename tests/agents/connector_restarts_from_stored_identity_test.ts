/**
 * Real processes: a connector restarted without ENROLLMENT_TOKEN runs on the identity it stored,
 * and the tunneler's forward works through it again.
 */
import assert from "node:assert/strict";
import { roundTripText } from "./_fixture.ts";
import { clusterWithEcho, connectorAndTunneler } from "./_cluster.ts";

Deno.test("a connector restarted without a token runs on its stored identity and forwards again", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const resource = `127.0.0.1:${echo.port}`;
  const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, resource);
  await connector.waitForLine(/configuration applied.*resources=1/);
  assert.deepEqual(await roundTripText(fwdPort, "ping"), "pingbye");

  assert.deepEqual(await connector.stop(), 0);
  const again = c.start("connector", ["run"], c.connectorEnv("c1", listenPort));
  await again.waitForLine("control-plane stream connected", 20_000);
  assert.ok(!again.lines.some((l) => l.includes("enrolling")), again.lines.join("\n"));
  // The allowlist and resources arrive over the new stream: then the forward is admitted.
  await again.waitForLine(/configuration applied.*resources=1/);
  assert.deepEqual(await roundTripText(fwdPort, "again"), "againbye");
});
