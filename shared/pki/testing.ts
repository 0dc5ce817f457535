/**
 * Test helper: an in-memory CA that issues SVIDs, for this module's and other modules' tests.
 * @module
 */
import { type CertificateAuthority, createCa } from "./ca.ts";
import { TrustBundle } from "./bundle.ts";
import { createCsr } from "./csr.ts";
import { issueSvid } from "./issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "./keys.ts";
import { SIGNING_ALG, x509 } from "./_crypto.ts";
import { formatSpiffeId, type Role } from "./spiffe_id.ts";
import { type Svid, svidFromPem } from "./svid.ts";

/** Options of {@link TestPki.issue}. */
export interface TestIssueOptions {
  /** IP SANs. Default none. */
  ipSans?: string[];
  /** Lifetime. Default one hour. */
  ttlMs?: number;
  /** Clock. Default now. */
  now?: Date;
}

/** What {@link makeTestPki} returns. */
export interface TestPki {
  /** The CA. */
  ca: CertificateAuthority;
  /** CA certificate PEM. */
  caPem: string;
  /** CA private key PEM (PKCS#8). */
  caKeyPem: string;
  /** A bundle holding just this CA. */
  bundle: TrustBundle;
  /** Issues an SVID `spiffe://<trustDomain>/<role>/<id>` with a fresh key. */
  issue(role: Role, id: string, o?: TestIssueOptions): Promise<Svid>;
  /**
   * Signs, with this CA or `issuer`, a certificate for `uri` (its one URI SAN) carrying exactly
   * `extensions` otherwise: for certificates the issuer would never make (a CA leaf, no key usage).
   */
  forge(
    uri: string,
    extensions: x509.Extension[],
    issuer?: { certificate: x509.X509Certificate; privateKey: CryptoKey },
  ): Promise<{ certPem: string; keyPem: string; certificate: x509.X509Certificate; privateKey: CryptoKey }>;
}

/**
 * Creates a fresh CA in memory.
 *
 * @param opts.trustDomain default `"postern.internal"`
 */
export async function makeTestPki(opts: { trustDomain?: string } = {}): Promise<TestPki> {
  const trustDomain = opts.trustDomain ?? "postern.internal";
  const { certPem, keyPem, ca } = await createCa({ commonName: "Postern Test CA" });
  return {
    ca,
    caPem: certPem,
    caKeyPem: keyPem,
    bundle: TrustBundle.of([ca.certificate]),
    async issue(role, id, o = {}) {
      const keys = await generateKeyPair();
      const issued = await issueSvid(ca, {
        csrPem: await createCsr(keys),
        spiffeId: formatSpiffeId(trustDomain, role, id),
        ttlMs: o.ttlMs ?? 3_600_000,
        ...(o.ipSans === undefined ? {} : { ipSans: o.ipSans }),
        ...(o.now === undefined ? {} : { now: o.now }),
      });
      return await svidFromPem(issued.certPem, await exportPrivateKeyPem(keys.privateKey));
    },
    async forge(uri, extensions, issuer = ca) {
      const keys = await generateKeyPair();
      const now = Date.now();
      const certificate = await x509.X509CertificateGenerator.create({
        subject: `CN=${uri.split("/").slice(-2).join("/")}`,
        issuer: issuer.certificate.subjectName,
        publicKey: keys.publicKey,
        signingKey: issuer.privateKey,
        signingAlgorithm: SIGNING_ALG,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        extensions: [...extensions, new x509.SubjectAlternativeNameExtension([{ type: "url", value: uri }])],
      });
      return {
        certPem: certificate.toString("pem") + "\n",
        keyPem: await exportPrivateKeyPem(keys.privateKey),
        certificate,
        privateKey: keys.privateKey,
      };
    },
  };
}

/**
 * A self-signed certificate named `CN=<commonName>` with a fresh key, valid from a minute ago for
 * an hour, carrying exactly `extensions`: for certificates no CA of Postern would make (a forger's
 * own, a CA without keyCertSign).
 */
export async function selfSigned(
  commonName: string,
  extensions: x509.Extension[],
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    keys,
    signingAlgorithm: SIGNING_ALG,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** A self-signed CA certificate whose key usage lacks keyCertSign (failure mode 1.5). */
export function caWithoutKeyCertSign(): Promise<{ certPem: string; keyPem: string }> {
  return selfSigned("No KeyCertSign", [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign, true),
  ]);
}
