import assert from "node:assert/strict";
import { parseCertificate, PeerVerificationError, type RefusalReason, verifySvid } from "./verify.ts";
import { authorizeRole } from "./authorize.ts";
import { makeTestPki } from "./testing.ts";
import { createCsr } from "./csr.ts";
import { issueSvid } from "./issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "./keys.ts";
import { pemToDer } from "./pem.ts";
import { SIGNING_ALG, x509 } from "./_crypto.ts";

const pki = await makeTestPki();
const other = await makeTestPki();
const TD = "postern.internal";
const C1 = "spiffe://postern.internal/connector/c1";
const T1 = "spiffe://postern.internal/tunneler/t1";
const now = new Date();
const conn = await pki.issue("connector", "c1", { ipSans: ["10.0.0.5", "10.0.0.6"] });
const tun = await pki.issue("tunneler", "t1");

Deno.test("verifySvid() accepts PEM, DER and parsed certificates and reports the peer", async () => {
  for (const input of [conn.certPem, pemToDer(conn.certPem), conn.certificate, [conn.certPem]]) {
    const peer = await verifySvid(input, pki.bundle, {
      trustDomain: "Postern.Internal.",
      authorize: authorizeRole("connector"),
      dialedIp: "10.0.0.6",
    });
    assert.strictEqual(peer.spiffeId.uri, "spiffe://postern.internal/connector/c1");
    assert.deepStrictEqual(peer.ipSans, ["10.0.0.5", "10.0.0.6"]);
    assert.strictEqual(peer.issuerFingerprint, pki.ca.fingerprint);
    assert.strictEqual(peer.notAfter.getTime(), conn.notAfter.getTime());
  }
});

Deno.test("verifySvid() accepts a peer during CA rotation when the bundle holds both CAs", async () => {
  const peer = await verifySvid(tun.certPem, other.bundle.with(pki.ca.certificate), { trustDomain: TD });
  assert.strictEqual(peer.issuerFingerprint, pki.ca.fingerprint);
});

async function refused(
  chain: Parameters<typeof verifySvid>[0],
  opts: Parameters<typeof verifySvid>[2],
  message: string,
  bundle = pki.bundle,
  reason?: RefusalReason,
) {
  await assert.rejects(() => verifySvid(chain, bundle, opts), (e) => {
    assert.ok(e instanceof PeerVerificationError);
    assert.strictEqual(e.name, "PeerVerificationError");
    assert.strictEqual(e.message, message);
    if (reason !== undefined) assert.strictEqual(e.reason, reason);
    return true;
  });
}

Deno.test("verifySvid() refuses a certificate from another CA with unknown authority", async () => {
  await refused(
    tun.certPem,
    { trustDomain: TD },
    "x509: certificate signed by unknown authority",
    other.bundle,
  );
});

Deno.test("verifySvid() refuses a certificate whose CA is not valid at now", async () => {
  const later = new Date(pki.ca.notAfter.getTime() + 1000);
  await refused(
    tun.certPem,
    { trustDomain: TD, now: later, allowExpiredWithin: 1e13 },
    "x509: certificate signed by unknown authority",
  );
});

Deno.test("verifySvid() refuses a CA-name impostor whose signature does not verify", async () => {
  const keys = await generateKeyPair();
  const fake = await signedByName([new x509.SubjectAlternativeNameExtension([{ type: "url", value: C1 }])], {
    keys,
    signingKey: keys.privateKey,
  });
  await refused(fake, { trustDomain: TD }, "x509: certificate signed by unknown authority");
});

Deno.test("verifySvid() refuses an expired certificate beyond the grace and accepts it within", async () => {
  const after = new Date(tun.notAfter.getTime() + 5000);
  await refused(
    tun.certPem,
    { trustDomain: TD, now: after },
    `x509: certificate has expired or is not yet valid: current time ${after.toISOString()} is after ${tun.notAfter.toISOString()}`,
  ); // deno-fmt-ignore
  await verifySvid(tun.certPem, pki.bundle, { trustDomain: TD, now: after, allowExpiredWithin: 10_000 });
});

Deno.test("verifySvid() refuses a certificate that is not yet valid", async () => {
  const before = new Date(tun.notBefore.getTime() - 1000);
  await refused(
    tun.certPem,
    { trustDomain: TD, now: before },
    `x509: certificate has expired or is not yet valid: current time ${before.toISOString()} is before ${tun.notBefore.toISOString()}`,
  ); // deno-fmt-ignore
});

Deno.test("verifySvid() refuses another trust domain with a trust domain mismatch", async () => {
  const foreignPki = await makeTestPki({ trustDomain: "other.example" });
  const foreign = await foreignPki.issue("tunneler", "t1");
  await refused(
    foreign.certPem,
    { trustDomain: TD },
    `SPIFFE trust domain mismatch: expected "postern.internal", got "other.example"`,
    foreignPki.bundle,
  ); // deno-fmt-ignore
});

Deno.test("verifySvid() refuses an unexpected role", async () => {
  await refused(
    tun.certPem,
    { trustDomain: TD, authorize: authorizeRole("connector") },
    `unexpected SPIFFE role: expected connector, got "tunneler"`,
    pki.bundle,
    "unexpected_role",
  );
  await refused(
    tun.certPem,
    { trustDomain: TD, authorize: authorizeRole("controller", "connector") },
    `unexpected SPIFFE role: expected controller or connector, got "tunneler"`,
  ); // deno-fmt-ignore
});

Deno.test("verifySvid() refuses a dialled IP when the certificate has no IP SANs", async () => {
  await refused(
    tun.certPem,
    { trustDomain: TD, dialedIp: "10.9.9.9" },
    "x509: cannot validate certificate for 10.9.9.9 because it doesn't contain any IP SANs",
  ); // deno-fmt-ignore
});

Deno.test("verifySvid() refuses a dialled IP that is not among the IP SANs", async () => {
  await refused(
    conn.certPem,
    { trustDomain: TD, dialedIp: "10.0.0.9" },
    "x509: certificate is valid for 10.0.0.5, 10.0.0.6, not 10.0.0.9",
  );
});

/**
 * A certificate naming the test CA as its issuer, valid around `now`, with exactly `extensions`:
 * a fresh key (or `o.keys`), signed by the CA's key unless `o.signingKey` says otherwise.
 */
async function signedByName(
  extensions: x509.Extension[],
  o: { subject?: string; keys?: CryptoKeyPair; signingKey?: CryptoKey } = {},
): Promise<x509.X509Certificate> {
  const keys = o.keys ?? await generateKeyPair();
  return await x509.X509CertificateGenerator.create({
    subject: o.subject ?? "CN=x",
    issuer: pki.ca.certificate.subjectName,
    publicKey: keys.publicKey,
    signingKey: o.signingKey ?? pki.ca.privateKey,
    signingAlgorithm: SIGNING_ALG,
    notBefore: new Date(now.getTime() - 1000),
    notAfter: new Date(now.getTime() + 60_000),
    extensions,
  });
}

async function issueRaw(sans: { type: "url" | "dns"; value: string }[]): Promise<string> {
  return (await signedByName(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [])).toString(
    "pem",
  );
}

const noId: [string, { type: "url" | "dns"; value: string }[], string][] = [
  ["no SAN", [], "certificate contains no URI SAN"],
  ["only a DNS SAN", [{ type: "dns", value: "a.b" }], "certificate contains no URI SAN"],
  ["two URI SANs", [{ type: "url", value: "spiffe://postern.internal/connector/a" }, {
    type: "url",
    value: "spiffe://postern.internal/connector/b",
  }], "certificate contains 2 URI SANs, exactly one is allowed"],
  [
    "an unparsable URI SAN",
    [{ type: "url", value: "https://x/connector/a" }],
    `cannot parse URI "https://x/connector/a": scheme is "https", expected "spiffe"`,
  ],
]; // deno-fmt-ignore
for (const [what, sans, why] of noId) {
  Deno.test(`verifySvid() refuses a certificate with ${what}`, async () => {
    await refused(await issueRaw(sans), { trustDomain: TD }, `certificate has no valid SPIFFE ID: ${why}`);
  });
}

Deno.test("verifySvid() refuses a leaf issued by an intermediate CA, with or without the intermediate", async () => {
  const ik = await generateKeyPair();
  const inter = await signedByName([
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
  ], { subject: "CN=Intermediate", keys: ik });
  const interCa = {
    ...pki.ca,
    certificate: inter,
    privateKey: ik.privateKey,
    publicKey: ik.publicKey,
    notAfter: inter.notAfter,
  };
  const issued = await issueSvid(interCa, {
    csrPem: await createCsr(await generateKeyPair()),
    spiffeId: "spiffe://postern.internal/connector/i1",
    ttlMs: 30_000,
  });
  await refused(
    issued.certPem + inter.toString("pem"),
    { trustDomain: TD },
    "x509: certificate signed by unknown authority (the peer sent 1 intermediate certificate(s); leaves must be issued by a CA of the trust bundle itself)",
    pki.bundle,
    "unknown_authority",
  ); // deno-fmt-ignore
  await refused(issued.certPem, { trustDomain: TD }, "x509: certificate signed by unknown authority", pki.bundle, "unknown_authority");
  // Even a chain whose extra certificate is the bundle's own CA is longer than the leaf.
  await assert.rejects(() => verifySvid(tun.certPem + pki.caPem, pki.bundle, { trustDomain: TD }), {
    name: "PeerVerificationError",
    reason: "unknown_authority",
  });
});

/** A leaf signed by the test CA with exactly `extensions` besides its SPIFFE ID. */
async function leafWith(uri: string, extensions: x509.Extension[]): Promise<string> {
  const san = new x509.SubjectAlternativeNameExtension([{ type: "url", value: uri }]);
  return (await signedByName([...extensions, san])).toString("pem");
}

const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;
const sig = () => new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true);
const leaf = () => new x509.BasicConstraintsExtension(false, undefined, true);
const eku = (...u: string[]) => new x509.ExtendedKeyUsageExtension(u);

const badProfiles: [string, string, x509.Extension[], string][] = [
  [
    "a CA:TRUE leaf",
    C1,
    [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      eku(serverAuth, clientAuth),
    ],
    `invalid SVID ${C1}: the certificate is a CA (basicConstraints CA:TRUE); a peer must present a leaf certificate`,
  ],
  [
    "no key usage",
    C1,
    [leaf(), eku(serverAuth, clientAuth)],
    `invalid SVID ${C1}: key usage digitalSignature is missing`,
  ],
  ["key usage without digitalSignature", C1, [
    leaf(),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment, true),
    eku(serverAuth, clientAuth),
  ], `invalid SVID ${C1}: key usage digitalSignature is missing`],
  [
    "a connector without serverAuth",
    C1,
    [leaf(), sig(), eku(clientAuth)],
    `invalid SVID ${C1}: a connector certificate needs extended key usage serverAuth and clientAuth, it has clientAuth`,
  ],
  [
    "a connector without any extended key usage",
    C1,
    [leaf(), sig()],
    `invalid SVID ${C1}: a connector certificate needs extended key usage serverAuth and clientAuth, it has none`,
  ],
  [
    "a tunneler with only serverAuth",
    T1,
    [leaf(), sig(), eku(serverAuth)],
    `invalid SVID ${T1}: a tunneler certificate needs extended key usage clientAuth, it has serverAuth`,
  ],
]; // deno-fmt-ignore
for (const [what, uri, extensions, message] of badProfiles) {
  Deno.test(`verifySvid() refuses ${what}`, async () => {
    await refused(await leafWith(uri, extensions), { trustDomain: TD }, message, pki.bundle, "invalid_svid");
  });
}

Deno.test("verifySvid() accepts a tunneler with clientAuth alone and tolerates extra usages", async () => {
  await verifySvid(await leafWith(T1, [leaf(), sig(), eku(clientAuth)]), pki.bundle, { trustDomain: TD });
  await verifySvid(
    await leafWith(C1, [sig(), eku(clientAuth, serverAuth, "1.3.6.1.5.5.7.3.4")]),
    pki.bundle,
    {
      trustDomain: TD,
    },
  );
});

Deno.test("parseCertificate() reads PEM and DER and refuses garbage", async () => {
  assert.strictEqual(parseCertificate(conn.certPem).serialNumber, conn.certificate.serialNumber);
  assert.strictEqual(parseCertificate(pemToDer(conn.certPem)).serialNumber, conn.certificate.serialNumber);
  assert.throws(() => parseCertificate("nope"), {
    name: "TypeError",
    message: "invalid certificate: no CERTIFICATE PEM block found",
  });
  assert.ok(await exportPrivateKeyPem((await generateKeyPair()).privateKey));
});
