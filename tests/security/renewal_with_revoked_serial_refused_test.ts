/**
 * Attack: a certificate of a revoked or superseded enrollment renews itself into a fresh one.
 * Renew accepts only a live certificate of the identity's current enrollment.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { enroll, expectGrpcError, renew, startHarness } from "../controller/harness.ts";

Deno.test("renewal with any certificate of a revoked enrollment is refused, also after the id is enrolled again", async () => {
  await using h = await startHarness();
  const first = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  const renewed = await renew(h, first);
  assert.equal((await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).status, 200);
  const again = await enroll(h, {
    token: await h.token("tunneler", { id: "t1" }),
    id: "t1",
    role: "tunneler",
  });
  for (const old of [first, renewed]) {
    await expectGrpcError(
      renew(h, old),
      status.PERMISSION_DENIED,
      "identity revoked: enroll again with a new token",
    );
  }
  // The current enrollment renews, and none of the old certificates came back to life.
  const current = await renew(h, again);
  assert.equal(current.svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
  await expectGrpcError(renew(h, renewed), status.PERMISSION_DENIED, "identity revoked");
  const { events: refused } = (await (await h.admin("/api/admin/events?kind=renewal.refused")).json()) as {
    events: { reason?: string }[];
  };
  assert.deepEqual(refused.map((e) => e.reason), ["revoked", "revoked", "revoked"]);
});
