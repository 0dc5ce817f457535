/**
 * Attack: a token handed out for one agent id is used to enroll another. A token created with an
 * `id` enrolls that id alone; the refused attempt does not consume it.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { enroll, expectGrpcError, startHarness } from "../controller/harness.ts";

Deno.test("a token bound to t1 cannot enroll t2 (invalid enrollment token) and still enrolls t1", async () => {
  await using h = await startHarness();
  const token = await h.token("tunneler", { id: "t1" });
  await expectGrpcError(
    enroll(h, { token, id: "t2", role: "tunneler" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  assert.equal((await h.admin("/api/admin/tunnelers/t2")).status, 404);
  const [listed] = await (await h.admin("/api/admin/tokens")).json();
  assert.deepEqual([listed.status, listed.agent_id], ["active", "t1"]);
  const t1 = await enroll(h, { token, id: "t1", role: "tunneler" });
  assert.equal(t1.svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
  // Connector tokens are bound the same way.
  const c = await h.token("connector", { id: "c1" });
  await expectGrpcError(
    enroll(h, { token: c, id: "c2" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  assert.equal(
    (await enroll(h, { token: c, id: "c1" })).svid.spiffeId,
    "spiffe://postern.internal/connector/c1",
  );
});
