/**
 * Attack: the holder of any tunneler token enrolls an id that an allowlist already names but that
 * is not enrolled yet, and is admitted by that connector. An unbound token is refused for such an
 * id, without being consumed; a token bound to the id enrolls it.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { enroll, expectGrpcError, startHarness } from "../controller/harness.ts";

Deno.test("an unbound tunneler token cannot enroll an id an allowlist names; the token stays usable", async () => {
  await using h = await startHarness();
  const put = await h.admin("/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["t1"] },
  });
  assert.equal(put.status, 200);
  await put.body?.cancel();
  const token = await h.token("tunneler");
  await expectGrpcError(
    enroll(h, { token, id: "t1", role: "tunneler" }),
    status.PERMISSION_DENIED,
    `tunneler "t1" is named by an allowlist: enroll it with a token bound to that id (POST /api/admin/tokens {"role": "tunneler", "id": "t1"})`,
  );
  assert.equal((await h.admin("/api/admin/tunnelers/t1")).status, 404);
  const [listed] = await (await h.admin("/api/admin/tokens")).json();
  assert.equal(listed.status, "active");
  // The refused attempt did not consume the token: it still enrolls an id nothing names.
  const other = await enroll(h, { token, id: "t2", role: "tunneler" });
  assert.equal(other.svid.spiffeId, "spiffe://postern.internal/tunneler/t2");
  // The operator's way: a token bound to the named id.
  const bound = await enroll(h, {
    token: await h.token("tunneler", { id: "t1" }),
    id: "t1",
    role: "tunneler",
  });
  assert.equal(bound.svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
  const { events: refused } = (await (await h.admin("/api/admin/events?kind=enrollment.refused")).json()) as {
    events: { reason?: string }[];
  };
  assert.deepEqual(refused.map((e) => e.reason), ["id_named"]);
});
