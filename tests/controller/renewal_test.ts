import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { enroll, expectGrpcError, renew, startHarness } from "./harness.ts";
import { EXPIRED_BEYOND_GRACE, renew as renewLogic } from "../../controller/grpc/enrollment.ts";
import type { GrpcError } from "../../controller/grpc/errors.ts";
import { createCsr } from "../../shared/pki/csr.ts";
import { generateKeyPair } from "../../shared/pki/keys.ts";

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

Deno.test("renew() logic accepts a certificate expired within RENEW_GRACE and refuses one beyond it", async () => {
  await using h = await startHarness({ tunnelerCertTtlMs: 1000 });
  const a = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  await new Promise((r) => setTimeout(r, 1100));
  const der = new Uint8Array(parseCertificate(a.certPem).rawData);
  const csrPem = await createCsr(await generateKeyPair());
  const ctx = h.controller.ctx;
  const ok = await renewLogic(ctx, der, { csrPem, version: "x" });
  assert.equal(ok.spiffeId, "spiffe://postern.internal/tunneler/t1");
  ctx.settings.renewGraceMs = 1;
  await assert.rejects(renewLogic(ctx, der, { csrPem, version: "x" }), (e: GrpcError) => {
    assert.equal(e.code, status.FAILED_PRECONDITION);
    assert.ok(e.message.startsWith(EXPIRED_BEYOND_GRACE), e.message);
    return true;
  });
});

// Ignored: through grpc-js on Deno, a client certificate that has *expired* reaches the service
// only about every other connection (getPeerCertificate() is empty otherwise), so this end-to-end
// version is flaky; the logic is covered by the test above. Reported to the lead (shared/grpc).
Deno.test({
  name: "Renew over TLS accepts a certificate expired within RENEW_GRACE and refuses one beyond it",
  ignore: Deno.env.get("POSTERN_TEST_EXPIRED_TLS") !== "1",
}, async () => {
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
