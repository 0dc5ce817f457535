/**
 * Tokens are single use across controllers: 50 enrollments racing for one token, spread over two
 * controllers on one etcd cluster, give exactly one identity; every other attempt is refused as
 * an invalid token (1.2), and both controllers list the one tunneler.
 */
import { EnrollmentRefusedError } from "../../shared/config/config_error.ts";
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { startHa } from "./_ha.ts";

etcdTest("50 enrollments racing for one token over two controllers: exactly one wins", async () => {
  await using ha = await startHa(2);
  const token = await ha.token(0, "tunneler");
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) => ha.enroll(i % 2, { token, id: `t${i}`, role: "tunneler" })),
  );
  const won = results.flatMap((r, i) => r.status === "fulfilled" ? [i] : []);
  assert.deepEqual(won.length, 1, `winners: ${won.join(", ")}`);
  for (const r of results) {
    if (r.status === "fulfilled") continue;
    assert.ok(r.reason instanceof EnrollmentRefusedError, `unexpected refusal: ${r.reason}`);
    assert.match(r.reason.message, /invalid enrollment token/);
  }
  for (const c of ha.controllers) {
    const list = await c.admin("GET", "/api/admin/tunnelers");
    assert.deepEqual(list.body.map((t: { id: string }) => t.id), [`t${won[0]}`]);
  }
});
