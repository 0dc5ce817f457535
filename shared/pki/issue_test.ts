import assert from "node:assert/strict";
import { createCa } from "./ca.ts";
import { createCsr } from "./csr.ts";
import { issueSvid } from "./issue.ts";
import { generateKeyPair } from "./keys.ts";
import { openssl } from "./_test_util.ts";
import { SIGNING_ALG, x509 } from "./_crypto.ts";

const ID = "spiffe://postern.internal/connector/c1";
const { ca, certPem: caPem } = await createCa();

Deno.test("issueSvid() issues a certificate that openssl verifies for client and server use", async () => {
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(await generateKeyPair()),
    spiffeId: ID,
    ipSans: ["10.0.0.7", "fd00::1"],
    dnsSans: ["c1.internal"],
    ttlMs: 3_600_000,
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.crt`, caPem);
    await Deno.writeTextFile(`${dir}/leaf.crt`, issued.certPem);
    for (const purpose of ["sslclient", "sslserver"]) {
      const r = await openssl(["verify", "-purpose", purpose, "-CAfile", `${dir}/ca.crt`, `${dir}/leaf.crt`]);
      assert.strictEqual(r.code, 0, r.out);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("issueSvid() sets one URI SAN, EKU, key usage, CA:FALSE, AKI and SKI", async () => {
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(await generateKeyPair()),
    spiffeId: ID,
    ipSans: ["10.0.0.7"],
    ttlMs: 60_000,
  });
  const c = new x509.X509Certificate(issued.certPem);
  const san = c.getExtension(x509.SubjectAlternativeNameExtension)!;
  assert.deepStrictEqual(san.names.toJSON(), [{ type: "url", value: ID }, { type: "ip", value: "10.0.0.7" }]);
  const eku = c.getExtension(x509.ExtendedKeyUsageExtension)!;
  assert.deepStrictEqual([...eku.usages], [
    x509.ExtendedKeyUsage.serverAuth,
    x509.ExtendedKeyUsage.clientAuth,
  ]);
  const ku = c.getExtension(x509.KeyUsagesExtension)!;
  assert.deepStrictEqual([ku.usages, ku.critical], [x509.KeyUsageFlags.digitalSignature, true]);
  const bc = c.getExtension(x509.BasicConstraintsExtension)!;
  assert.deepStrictEqual([bc.ca, bc.critical], [false, true]);
  const aki = c.getExtension(x509.AuthorityKeyIdentifierExtension)!;
  const caSki = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)!;
  assert.strictEqual(aki.keyId, caSki.keyId);
  assert.ok(c.getExtension(x509.SubjectKeyIdentifierExtension));
});

Deno.test("issueSvid() gives a tunneler clientAuth alone: it never serves TLS", async () => {
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(await generateKeyPair()),
    spiffeId: "spiffe://postern.internal/tunneler/t1",
    ttlMs: 60_000,
  });
  const eku = new x509.X509Certificate(issued.certPem).getExtension(x509.ExtendedKeyUsageExtension)!;
  assert.deepStrictEqual([...eku.usages], [x509.ExtendedKeyUsage.clientAuth]);
});

Deno.test("issueSvid() uses a serial of at least 64 bits and backdates NotBefore by 60 s", async () => {
  const now = new Date("2026-06-01T12:00:00Z");
  for (let i = 0; i < 5; i++) {
    const issued = await issueSvid(ca, {
      csrPem: await createCsr(await generateKeyPair()),
      spiffeId: ID,
      ttlMs: 600_000,
      now,
    });
    assert.ok(BigInt(`0x${issued.serial}`) >= 2n ** 64n, issued.serial);
    assert.strictEqual(issued.notBefore.toISOString(), "2026-06-01T11:59:00.000Z");
    assert.strictEqual(issued.notAfter.toISOString(), "2026-06-01T12:10:00.000Z");
  }
});

Deno.test("issueSvid() caps NotAfter at the CA's notAfter", async () => {
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(await generateKeyPair()),
    spiffeId: ID,
    ttlMs: 20 * 365 * 86_400_000,
  });
  assert.strictEqual(issued.notAfter.getTime(), ca.notAfter.getTime());
});

Deno.test("issueSvid() refuses a CSR whose signature does not verify", async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();
  const forged = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { publicKey: a.publicKey, privateKey: b.privateKey },
    signingAlgorithm: SIGNING_ALG,
  });
  await assert.rejects(() => issueSvid(ca, { csrPem: forged.toString("pem"), spiffeId: ID, ttlMs: 1000 }), {
    name: "TypeError",
    message: "invalid certificate request: signature does not verify",
  });
});

Deno.test("issueSvid() ignores extensions requested in the CSR", async () => {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=evil",
    keys,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{
        type: "url",
        value: "spiffe://postern.internal/controller/main",
      }]),
      new x509.BasicConstraintsExtension(true, undefined, true),
    ],
  });
  const issued = await issueSvid(ca, { csrPem: csr.toString("pem"), spiffeId: ID, ttlMs: 1000 });
  const c = new x509.X509Certificate(issued.certPem);
  assert.deepStrictEqual(c.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(), [{
    type: "url",
    value: ID,
  }]);
  assert.strictEqual(c.getExtension(x509.BasicConstraintsExtension)!.ca, false);
  assert.strictEqual(c.subject, "CN=connector/c1");
});

const badRequests: [string, Record<string, unknown>, string, string][] = [
  [
    "a SPIFFE ID with an unknown role",
    { spiffeId: "spiffe://postern.internal/admin/x" },
    "TypeError",
    `cannot parse URI "spiffe://postern.internal/admin/x": unexpected SPIFFE role "admin"`,
  ],
  [
    "an IP SAN that is not an address",
    { ipSans: ["10.0.0.300"] },
    "TypeError",
    `invalid IP SAN "10.0.0.300": not an IPv4 or IPv6 address`,
  ],
  [
    "a zero TTL",
    { ttlMs: 0 },
    "RangeError",
    `invalid certificate lifetime "0": use a positive number of milliseconds`,
  ],
]; // deno-fmt-ignore
for (const [what, patch, name, message] of badRequests) {
  Deno.test(`issueSvid() refuses ${what}`, async () => {
    const req = { csrPem: await createCsr(await generateKeyPair()), spiffeId: ID, ttlMs: 1000, ...patch };
    await assert.rejects(() => issueSvid(ca, req as Parameters<typeof issueSvid>[1]), { name, message });
  });
}
