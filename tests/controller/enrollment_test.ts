import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { x509 } from "../../shared/pki/mod.ts";
import { enroll, expectGrpcError, startHarness } from "./harness.ts";

Deno.test("Enroll issues a connector SVID with its private IP and the trust bundle", async () => {
  await using h = await startHarness();
  const token = await h.token("connector");
  const a = await enroll(h, { token, id: "c1", role: "connector", privateIp: "10.1.2.3" });
  assert.equal(a.svid.spiffeId, "spiffe://postern.internal/connector/c1");
  assert.equal(a.svid.trustBundlePem.length, 1);
  const cert = parseCertificate(a.certPem);
  const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) =>
    `${n.type}:${n.value}`
  );
  assert.deepEqual(sans.sort(), ["ip:10.1.2.3", "url:spiffe://postern.internal/connector/c1"]);
  assert.ok(a.svid.notAfterUnixMs > Date.now());
  const res = await h.admin("/api/admin/connectors/c1");
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(body).sort(), [
    "active_sessions",
    "bytes_in",
    "bytes_out",
    "cert_expires_at",
    "id",
    "last_seen",
    "private_ip",
    "spiffe_id",
    "status",
    "trusted_ca_fingerprints",
    "version",
  ]);
  assert.equal(body.private_ip, "10.1.2.3");
  assert.equal(body.status, "OFFLINE");
  // No heartbeat yet: no traffic reported, rather than a made-up 0.
  assert.deepEqual([body.active_sessions, body.bytes_in, body.bytes_out], [null, null, null]);
});

Deno.test("Enroll refuses a used, unknown, wrong-role or expired token with PERMISSION_DENIED (1.2)", async () => {
  // The tokens' clock runs with the wall clock plus `skew`: expiry without waiting for it.
  let skew = 0;
  await using h = await startHarness({}, { now: () => Date.now() + skew });
  const token = await h.token("connector");
  await enroll(h, { token, id: "c1" });
  await expectGrpcError(enroll(h, { token, id: "c2" }), status.PERMISSION_DENIED, "invalid enrollment token");
  await expectGrpcError(
    enroll(h, { token: "pt_0000000000000000_" + "A".repeat(43), id: "c3" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  await expectGrpcError(
    enroll(h, { token: "garbage", id: "c3" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  const tunnelerToken = await h.token("tunneler");
  await expectGrpcError(
    enroll(h, { token: tunnelerToken, id: "c4", role: "connector" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  const short = await h.token("connector", { ttl_seconds: 1 });
  skew += 1_001; // the token's 1 s have passed on the controller's clock
  await expectGrpcError(
    enroll(h, { token: short, id: "c5" }),
    status.PERMISSION_DENIED,
    "invalid enrollment token",
  );
  const events = await (await h.admin("/api/admin/events?kind=enrollment.refused")).json();
  assert.ok(events.events.length >= 4);
  assert.ok(!h.logs.some((l) => l.includes(token)), "a token appeared in the logs");
});

Deno.test("Enroll refuses bad ids, CSRs, IPs and roles with INVALID_ARGUMENT", async () => {
  await using h = await startHarness();
  const token = await h.token("connector");
  await expectGrpcError(enroll(h, { token, id: "bad id" }), status.INVALID_ARGUMENT, 'invalid id "bad id"');
  await expectGrpcError(
    enroll(h, { token, id: "c1", csrPem: "nope" }),
    status.INVALID_ARGUMENT,
    "invalid certificate request",
  );
  await expectGrpcError(
    enroll(h, { token, id: "c1", privateIp: "10.0.0" }),
    status.INVALID_ARGUMENT,
    "invalid private_ip",
  );
  await expectGrpcError(
    enroll(h, { token, id: "c1", role: "controller" }),
    status.INVALID_ARGUMENT,
    "invalid role",
  );
  // None of those consumed the token.
  await enroll(h, { token, id: "c1" });
});

Deno.test("Enroll refuses an id already enrolled until it is revoked", async () => {
  await using h = await startHarness();
  await enroll(h, { token: await h.token("connector"), id: "c1" });
  await expectGrpcError(
    enroll(h, { token: await h.token("connector"), id: "c1" }),
    status.ALREADY_EXISTS,
    'connector "c1" is already enrolled: revoke it first (DELETE /api/admin/connectors/c1)',
  );
  assert.equal((await h.admin("/api/admin/connectors/c1", { method: "DELETE" })).status, 200);
  const again = await enroll(h, { token: await h.token("connector"), id: "c1" });
  assert.equal(again.svid.spiffeId, "spiffe://postern.internal/connector/c1");
});

Deno.test("Enroll: 50 concurrent enrollments racing one token yield exactly one identity", async () => {
  await using h = await startHarness();
  const token = await h.token("tunneler");
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) => enroll(h, { token, id: `t${i}`, role: "tunneler" })),
  );
  const ok = results.filter((r) => r.status === "fulfilled");
  assert.equal(ok.length, 1);
  for (const r of results) {
    if (r.status === "rejected") {
      assert.equal(r.reason.code, status.PERMISSION_DENIED);
      assert.ok(r.reason.details.includes("invalid enrollment token"));
    }
  }
  const list = await (await h.admin("/api/admin/tunnelers")).json();
  assert.equal(list.length, 1);
});
