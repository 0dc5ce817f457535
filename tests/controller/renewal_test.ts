import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { enroll, expectGrpcError, renew, startHarness } from "./harness.ts";

Deno.test("Renew issues the same identity with the registry's IP SAN to the caller", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1", privateIp: "10.9.9.9" });
  const b = await renew(h, a);
  assert.equal(b.svid.spiffeId, "spiffe://postern.internal/connector/c1");
  const before = parseCertificate(a.certPem);
  const after = parseCertificate(b.certPem);
  assert.notEqual(before.serialNumber, after.serialNumber);
  assert.ok(b.svid.trustBundlePem.length >= 1);
  // The renewed certificate renews again.
  const c = await renew(h, b);
  assert.equal(c.svid.spiffeId, a.svid.spiffeId);
  const events = await (await h.admin("/api/admin/events?kind=connector.renewed&agent=c1")).json();
  assert.equal(events.events.length, 2);
});

Deno.test("Renew without a client certificate is UNAUTHENTICATED", async () => {
  await using h = await startHarness();
  await expectGrpcError(renew(h, undefined), status.UNAUTHENTICATED, "client certificate required");
});

Deno.test("Renew of a revoked identity is PERMISSION_DENIED, also after re-enrollment of the id", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  assert.equal((await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).status, 200);
  await expectGrpcError(
    renew(h, a),
    status.PERMISSION_DENIED,
    "identity revoked: enroll again with a new token",
  );
  await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  await expectGrpcError(renew(h, a), status.PERMISSION_DENIED, "identity revoked");
});

Deno.test("Renew accepts a certificate expired within RENEW_GRACE and refuses one beyond it", async () => {
  {
    await using h = await startHarness({ tunnelerCertTtlMs: 1000 });
    const a = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(parseCertificate(a.certPem).notAfter.getTime() < Date.now());
    const b = await renew(h, a);
    assert.equal(b.svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
  }
  {
    await using h = await startHarness({ tunnelerCertTtlMs: 1000, renewGraceMs: 100 });
    const a = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
    await new Promise((r) => setTimeout(r, 1400));
    await expectGrpcError(
      renew(h, a),
      status.FAILED_PRECONDITION,
      "certificate expired beyond the renewal grace period (RENEW_GRACE): enroll again with a new token",
    );
  }
});

Deno.test("Renew with a certificate from another CA is refused", async () => {
  await using h = await startHarness();
  const other = await makeTestPki();
  const foreign = await other.issue("connector", "c1");
  // TLS does not hand an untrusted client certificate to the service: it is as if none was sent.
  await expectGrpcError(renew(h, foreign), status.UNAUTHENTICATED, "client certificate required");
});
