import assert from "node:assert/strict";
import { svidFromPem } from "./svid.ts";
import { makeTestPki } from "./testing.ts";
import { exportPrivateKeyPem, generateKeyPair } from "./keys.ts";

const pki = await makeTestPki();

Deno.test("svidFromPem() reads a certificate and its key", async () => {
  const s = await pki.issue("connector", "c1");
  const back = await svidFromPem(s.certPem, s.keyPem);
  assert.strictEqual(back.spiffeId.uri, "spiffe://postern.internal/connector/c1");
  assert.strictEqual(back.notAfter.getTime(), s.certificate.notAfter.getTime());
});

Deno.test("svidFromPem() refuses a key that does not match the certificate", async () => {
  const s = await pki.issue("connector", "c1");
  const otherKey = await exportPrivateKeyPem((await generateKeyPair()).privateKey);
  await assert.rejects(() => svidFromPem(s.certPem, otherKey), {
    name: "TypeError",
    message: "certificate and private key do not match",
  });
});

Deno.test("svidFromPem() refuses a certificate without a SPIFFE ID", async () => {
  await assert.rejects(() => svidFromPem(pki.caPem, pki.caKeyPem), {
    name: "TypeError",
    message: "certificate has no valid SPIFFE ID: certificate contains no URI SAN",
  });
});

Deno.test("makeTestPki() issues with the requested trust domain, IP SANs and TTL", async () => {
  const p = await makeTestPki({ trustDomain: "Example.COM." });
  const s = await p.issue("tunneler", "t9", { ipSans: ["127.0.0.1"], ttlMs: 120_000 });
  assert.strictEqual(s.spiffeId.uri, "spiffe://example.com/tunneler/t9");
  assert.ok(s.notAfter.getTime() - s.notBefore.getTime() <= 181_000);
});
