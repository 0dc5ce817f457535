/**
 * The template path of `issueSvid()` (`_leaf_der.ts`) against @peculiar/x509's generator, the
 * way certificates were built before: for the same serial, validity, subject, key, SANs and
 * extensions both must produce the same TBSCertificate byte for byte. Every certificate must
 * also parse with @peculiar/x509 and `openssl x509 -text`, verify against its CA with openssl,
 * and pass `verifySvid()`.
 */
import assert from "node:assert/strict";
import { type CertificateAuthority, createCa, loadCa } from "./ca.ts";
import { createCsr } from "./csr.ts";
import { type IssueRequest, issueSvid } from "./issue.ts";
import { generateKeyPair } from "./keys.ts";
import { TrustBundle } from "./bundle.ts";
import { verifySvid } from "./verify.ts";
import { ROLE_EKUS } from "./_svid_profile.ts";
import { children, readOnly, TAG } from "./_der.ts";
import { openssl, opensslCa } from "./_test_util.ts";
import { parseSpiffeId } from "./spiffe_id.ts";
import { canonicalIp } from "../net/ip.ts";
import { EC_PARAMS, SIGNING_ALG, x509 } from "./_crypto.ts";

/** The certificate as @peculiar/x509 builds it (the code issueSvid() had before the template). */
async function reference(ca: CertificateAuthority, leaf: x509.X509Certificate, req: IssueRequest) {
  const id = parseSpiffeId(req.spiffeId);
  const caSki = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const publicKey = await leaf.publicKey.export(EC_PARAMS, ["verify"]);
  return await x509.X509CertificateGenerator.create({
    serialNumber: leaf.serialNumber,
    subject: [{ CN: [`${id.role}/${id.id}`] }],
    issuer: ca.certificate.subjectName,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([...ROLE_EKUS[id.role]]),
      new x509.SubjectAlternativeNameExtension([
        { type: "url", value: id.uri },
        ...(req.ipSans ?? []).map((ip) => ({ type: "ip" as const, value: canonicalIp(ip)! })),
        ...(req.dnsSans ?? []).map((value) => ({ type: "dns" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      caSki !== null
        ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
        : await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
}

function tbsOf(der: ArrayBuffer): Uint8Array {
  const bytes = new Uint8Array(der);
  const tbs = children(bytes, readOnly(bytes, TAG.SEQUENCE, "certificate"))[0]!;
  return bytes.subarray(tbs.start, tbs.end);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function compare(ca: CertificateAuthority, caPem: string, req: Omit<IssueRequest, "csrPem">) {
  const full = { ...req, csrPem: await createCsr(await generateKeyPair()) };
  const issued = await issueSvid(ca, full);
  const fast = new x509.X509Certificate(issued.certPem);
  const slow = await reference(ca, fast, full);
  // Field by field first, for a readable failure; then the whole TBS.
  assert.equal(fast.subject, slow.subject);
  assert.equal(fast.issuer, slow.issuer);
  assert.equal(fast.serialNumber, slow.serialNumber);
  assert.equal(fast.notBefore.getTime(), slow.notBefore.getTime());
  assert.equal(fast.notAfter.getTime(), slow.notAfter.getTime());
  assert.equal(hex(new Uint8Array(fast.publicKey.rawData)), hex(new Uint8Array(slow.publicKey.rawData)));
  assert.deepEqual(fast.signatureAlgorithm, slow.signatureAlgorithm);
  assert.deepEqual(
    fast.extensions.map((e) => [e.type, e.critical, hex(new Uint8Array(e.value))]),
    slow.extensions.map((e) => [e.type, e.critical, hex(new Uint8Array(e.value))]),
  );
  assert.equal(hex(tbsOf(fast.rawData)), hex(tbsOf(slow.rawData)));
  // What issueSvid() reports is what the certificate says.
  assert.equal(issued.serial, fast.serialNumber.toLowerCase());
  assert.equal(issued.notBefore.getTime(), fast.notBefore.getTime());
  assert.equal(issued.notAfter.getTime(), fast.notAfter.getTime());
  assert.ok(await fast.verify({ publicKey: ca.publicKey, signatureOnly: true }), "signature verifies");

  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.crt`, caPem);
    await Deno.writeTextFile(`${dir}/leaf.crt`, issued.certPem);
    const text = await openssl(["x509", "-in", `${dir}/leaf.crt`, "-noout", "-text"]);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, new RegExp(`URI:${full.spiffeId.replaceAll("/", "\\/")}`));
    const at = full.now ? ["-attime", String(Math.floor(full.now.getTime() / 1000))] : [];
    const v = await openssl(["verify", ...at, "-CAfile", `${dir}/ca.crt`, `${dir}/leaf.crt`]);
    assert.equal(v.code, 0, v.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const id = parseSpiffeId(full.spiffeId);
  const peer = await verifySvid(issued.certPem, TrustBundle.fromPem(caPem), {
    trustDomain: id.trustDomain,
    now: full.now ?? new Date(),
  });
  assert.equal(peer.spiffeId.uri, full.spiffeId);
}

const postern = await createCa();

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 for a connector with IP and DNS SANs", async () => {
  await compare(postern.ca, postern.certPem, {
    spiffeId: "spiffe://postern.internal/connector/c1",
    ipSans: ["10.0.0.7", "fd00::1", "::ffff:10.1.2.3"],
    dnsSans: ["c1.internal", "b.example"],
    ttlMs: 3_600_000,
  });
});

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 for a tunneler (clientAuth alone)", async () => {
  await compare(postern.ca, postern.certPem, {
    spiffeId: "spiffe://postern.internal/tunneler/t1",
    ttlMs: 60_000,
  });
});

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 for an id that is no PrintableString", async () => {
  // `_` is outside PrintableString: both encode the CN as UTF8String.
  await compare(postern.ca, postern.certPem, {
    spiffeId: "spiffe://postern.internal/tunneler/a_b-c.d_e",
    ttlMs: 60_000,
  });
});

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 with a long id and the maximum SANs", async () => {
  await compare(postern.ca, postern.certPem, {
    spiffeId: `spiffe://postern.internal/connector/${"c".repeat(64)}`,
    ipSans: Array.from({ length: 20 }, (_, i) => `10.0.${i}.1`),
    dnsSans: Array.from({ length: 10 }, (_, i) => `host-${i}.${"d".repeat(50)}.internal`),
    ttlMs: 86_400_000,
  });
});

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 under an openssl CA (its issuer name kept byte for byte)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pair = await opensslCa(dir, [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    await compare(await loadCa(pair.certPem, pair.keyPem), pair.certPem, {
      spiffeId: "spiffe://postern.internal/connector/c2",
      ipSans: ["192.168.1.10"],
      ttlMs: 3_600_000,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("issueSvid() builds the same TBS as @peculiar/x509 across 2050 (UTCTime, then GeneralizedTime)", async () => {
  const now = new Date("2049-12-31T23:30:00.789Z");
  const late = await createCa({ now, lifetimeDays: 30 });
  await compare(late.ca, late.certPem, {
    spiffeId: "spiffe://postern.internal/tunneler/t2050",
    ttlMs: 7_200_000,
    now,
  });
});
