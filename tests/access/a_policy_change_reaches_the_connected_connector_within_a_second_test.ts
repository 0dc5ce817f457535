/**
 * The controller (in process) pushes a connector its compiled grants within a second of each
 * change: the granted resources it serves (not those of other connectors) and one grant per
 * policy, groups expanded; a revoked tunneler is left out of every grant.
 */
import assert from "node:assert/strict";
import { connect, enroll, startHarness } from "../controller/harness.ts";
import type { AgentConfig, ControllerMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";

const configOf = (m: ControllerMessage): AgentConfig | undefined =>
  m.body?.$case === "config" ? m.body.value : undefined;

Deno.test("a policy change reaches the connected connector within a second, as its compiled grants", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  await s.next((m) => configOf(m) !== undefined);
  const put = async (path: string, json: unknown) => {
    const r = await h.admin(path, { method: "PUT", json });
    assert.equal(r.status, 200, await r.text());
  };
  await put("/api/admin/resources/db", { address: "db.internal:5432", connectors: ["c1"] });
  await put("/api/admin/resources/elsewhere", { address: "10.0.0.9:22", connectors: ["c2"] });
  await put("/api/admin/groups/eng", { tunnelers: ["alice", "bob"] });
  const from = s.messages.length;
  const started = Date.now();
  await put("/api/admin/policies/eng-db", {
    groups: ["eng"],
    tunnelers: ["carol"],
    resources: ["db", "elsewhere"],
  });
  const pushed = configOf(await s.next((m) => (configOf(m)?.grants.length ?? 0) > 0, 1000, from))!;
  assert.ok(Date.now() - started < 1000, `pushed after ${Date.now() - started} ms`);
  assert.deepEqual(pushed.grantedResources, [{ name: "db", address: "db.internal:5432" }]);
  assert.deepEqual(pushed.grants, [{ tunnelerIds: ["alice", "bob", "carol"], resources: [0] }]);

  // A revoked tunneler leaves every grant (its serials were pushed before).
  await enroll(h, { token: await h.token("tunneler", { id: "bob" }), id: "bob", role: "tunneler" });
  const before = s.messages.length;
  assert.equal((await h.admin("/api/admin/tunnelers/bob", { method: "DELETE" })).status, 200);
  const after = configOf(await s.next((m) => configOf(m) !== undefined, 1000, before))!;
  assert.deepEqual(after.grants, [{ tunnelerIds: ["alice", "carol"], resources: [0] }]);
  s.close();
});
