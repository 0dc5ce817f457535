/**
 * Attack: the holder of any tunneler token enrolls an id that a group (and so a policy's grant)
 * already names, and is admitted wherever that group reaches. An unbound token is refused for
 * such an id; a policy naming the id directly refuses it too.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { enroll, expectGrpcError, startHarness } from "../controller/harness.ts";

Deno.test("an unbound tunneler token cannot enroll an id a group or a policy names", async () => {
  await using h = await startHarness();
  for (
    const [path, json] of [
      ["/api/admin/groups/eng", { tunnelers: ["t1"] }],
      ["/api/admin/policies/p", { tunnelers: ["t2"], resources: ["db"] }],
    ] as const
  ) {
    const put = await h.admin(path, { method: "PUT", json });
    assert.equal(put.status, 200, await put.text());
  }
  const token = await h.token("tunneler");
  for (const id of ["t1", "t2"]) {
    await expectGrpcError(
      enroll(h, { token, id, role: "tunneler" }),
      status.PERMISSION_DENIED,
      `tunneler "${id}" is named by a group or a policy: enroll it with a token bound to that id (POST /api/admin/tokens {"role": "tunneler", "id": "${id}"})`,
    );
  }
  const other = await enroll(h, { token, id: "t3", role: "tunneler" });
  assert.equal(other.svid.spiffeId, "spiffe://postern.internal/tunneler/t3");
});
