import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { parseCertificate, verifySvid } from "../../shared/pki/verify.ts";
import { TrustBundle } from "../../shared/pki/bundle.ts";
import { connect, enroll, renew, startHarness, TD } from "./harness.ts";

Deno.test("CA rotation: prepare pushes the bundle, activate signs renewals, retire drops the old CA; the stream stays up", async () => {
  await using h = await startHarness();
  const oldFp = h.controller.ctx.ca.signing.fingerprint;
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  await s.next((m) => m.body?.$case === "trustBundle");

  // 1. prepare: the new CA is trusted (not signing) and pushed to the connected agent.
  const next = await createCa({ commonName: "Next CA" });
  const from = s.messages.length;
  const prep = await h.admin("/api/admin/ca/rotate/prepare", {
    method: "POST",
    json: { cert_pem: next.certPem, key_pem: next.keyPem },
  });
  assert.equal(prep.status, 200);
  const cas = (await prep.json()).cas;
  assert.equal(cas.length, 2);
  assert.equal(cas.find((c: { signing: boolean }) => c.signing).fingerprint, oldFp);
  const pushed = await s.next(
    (m) => m.body?.$case === "trustBundle" && m.body.value.caPem.length === 2,
    1000,
    from,
  );
  assert.ok(pushed);

  // Retiring the signing CA is refused.
  const refused = await h.admin("/api/admin/ca/rotate/retire", {
    method: "POST",
    json: { fingerprint: oldFp },
  });
  assert.equal(refused.status, 409);
  assert.match((await refused.json()).error, /still signs/);

  // 2. activate: renewals are signed by the new CA; the agent's old certificate still renews.
  const act = await h.admin("/api/admin/ca/rotate/activate", {
    method: "POST",
    json: { fingerprint: next.ca.fingerprint },
  });
  assert.equal(act.status, 200);
  await act.body?.cancel();
  const b = await renew(h, a);
  assert.equal(b.svid.trustBundlePem.length, 2);
  const bundleFromResponse = TrustBundle.fromPem(b.svid.trustBundlePem.join(""));
  const verified = await verifySvid(b.certPem, bundleFromResponse, { trustDomain: TD });
  assert.equal(verified.issuerFingerprint, next.ca.fingerprint);

  // 3. retire the old CA: the bundle shrinks, is pushed, and the stream was never dropped.
  const from2 = s.messages.length;
  const ret = await h.admin("/api/admin/ca/rotate/retire", { method: "POST", json: { fingerprint: oldFp } });
  assert.equal(ret.status, 200);
  await ret.body?.cancel();
  await s.next((m) => m.body?.$case === "trustBundle" && m.body.value.caPem.length === 1, 1000, from2);
  const info = await (await h.admin("/api/admin/ca")).json();
  assert.deepEqual(info.cas.map((c: { fingerprint: string }) => c.fingerprint), [next.ca.fingerprint]);
  // The renewed agent keeps working: it renews and reconnects under the new CA.
  const c = await renew(h, b);
  assert.equal(parseCertificate(c.certPem).issuer, next.ca.certificate.subject);
  const s2 = connect(h, c);
  await s2.next((m) => m.body?.$case === "config");
  s2.close();
  // The first stream stayed open throughout: a configuration pushed now still arrives on it.
  let ended = false;
  s.ended.then(() => (ended = true));
  const from3 = s.messages.length;
  const put = await h.admin("/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["mark"] },
  });
  assert.equal(put.status, 200);
  await put.body?.cancel();
  await s.next(
    (m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.includes("mark"),
    1000,
    from3,
  );
  assert.equal(ended, false);
  s.close();
});
