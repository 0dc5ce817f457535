/**
 * Fault, real processes: one of three etcd members is killed (SIGKILL) under two controllers with
 * a connector and tunneler streaming. Quorum holds: both controllers stay ready, tokens are made,
 * agents enroll and admin writes reach the connector; the tunnel carries bytes; and the member
 * started again catches up.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTripText } from "../agents/_fixture.ts";
import { startHaAgents } from "./ha_agents.ts";

etcdTest("one etcd member lost: both controllers stay ready and writes continue", async () => {
  await using rig = await startHaAgents();
  const { ha, echo, agents } = rig;
  const killedAt = Date.now();
  await ha.etcd.kill(0);
  for (const [i, c] of ha.controllers.entries()) {
    // The member killed may have been the leader: the survivors elect another first (etcd's
    // election timeout, 1 s by default), then every write goes through.
    let last = "";
    await waitFor(`controller ${i} ready with one member lost`, async () => {
      const r = await fetch(`${c.adminUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
      last = await r.text();
      return r.status === 200 || undefined;
    }, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${last}`);
    });
    console.error(`controller ${i} ready ${Date.now() - killedAt} ms after an etcd member was killed`);
    const enrolled = await ha.enroll(i, {
      token: await ha.token(i, "tunneler", `m${i}`),
      id: `m${i}`,
      role: "tunneler",
    });
    assert.deepEqual(enrolled.svid.spiffeId.uri, `spiffe://postern.internal/tunneler/m${i}`);
  }
  const put = await ha.controllers[1]!.admin("PUT", "/api/admin/connectors/c1/resources", {
    resources: [`127.0.0.1:${echo.port}`, "127.0.0.1:1"],
  });
  assert.deepEqual(put.status, 200, JSON.stringify(put.body));
  await agents.connector.waitForLine(/configuration applied.*resources=2/, 15_000);
  assert.deepEqual(await roundTripText(agents.fwdPort, "one down"), "one downbye");

  await ha.etcd.restart(0);
  await ha.etcd.waitHealthy(20_000);
  const listed = await ha.controllers[0]!.admin("GET", "/api/admin/tunnelers");
  assert.deepEqual(listed.body.map((a: { id: string }) => a.id).sort(), ["m0", "m1", "t1"]);
});
