/**
 * The CA side of enrollment and renewal: a CSR in, an X.509 SVID out.
 * @module
 */
import { randomSerial, SIGNING_ALG, x509 } from "./_crypto.ts";
import { canonicalIp } from "../net/ip.ts";
import { ROLE_EKUS } from "./_svid_profile.ts";
import { CaError, type CertificateAuthority } from "./ca.ts";
import { readCsr } from "./csr.ts";
import { parseSpiffeId } from "./spiffe_id.ts";
import { dnsNameProblem } from "./trust_domain.ts";

/** What to issue. */
export interface IssueRequest {
  /** PEM PKCS#10 request; only its public key is used, after its signature is checked. */
  csrPem: string;
  /** The SPIFFE ID to certify, the certificate's only URI SAN. */
  spiffeId: string;
  /** IP SANs (IPv4 or IPv6), e.g. a connector's private IP. Default none. */
  ipSans?: string[];
  /** DNS SANs. Default none. */
  dnsSans?: string[];
  /** Lifetime in milliseconds from `now`; capped at the CA's notAfter. */
  ttlMs: number;
  /** Clock. Default: now. */
  now?: Date;
}

/** An issued certificate. */
export interface IssuedSvid {
  /** The certificate as PEM (leaf only). */
  certPem: string;
  /** Start of validity (60 s before issuance, for clock skew). */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** Serial number, lower-case hex. */
  serial: string;
}

/** Clock-skew allowance: certificates are valid from this long before issuance. */
export const BACKDATE_MS = 60_000;

/**
 * Issues an X.509 SVID: exactly one URI SAN (the SPIFFE ID), optional IP and DNS SANs,
 * the extended key usages of its role (controller and connector: serverAuth and clientAuth;
 * tunneler: clientAuth, as it never serves TLS), keyUsage digitalSignature (critical), basicConstraints
 * CA:FALSE (critical), AKI and SKI, a random 128-bit serial. Extensions requested in the CSR
 * are ignored.
 *
 * @throws {TypeError} for a bad CSR (`invalid certificate request: ...`), SPIFFE ID or SAN
 * @throws {RangeError} for a bad TTL
 * @throws {CaError} when the CA has expired
 */
export async function issueSvid(ca: CertificateAuthority, req: IssueRequest): Promise<IssuedSvid> {
  const id = parseSpiffeId(req.spiffeId);
  if (!(req.ttlMs > 0) || !Number.isFinite(req.ttlMs)) {
    throw new RangeError(
      `invalid certificate lifetime "${req.ttlMs}": use a positive number of milliseconds`,
    );
  }
  const ips = (req.ipSans ?? []).map((ip) => {
    const c = canonicalIp(ip);
    if (c === undefined) throw new TypeError(`invalid IP SAN "${ip}": not an IPv4 or IPv6 address`);
    return c;
  });
  const dns = (req.dnsSans ?? []).map((name) => {
    const n = name.toLowerCase().replace(/\.$/, "");
    const problem = dnsNameProblem(n);
    if (problem !== undefined) throw new TypeError(`invalid DNS SAN "${name}": ${problem}`);
    return n;
  });
  const { publicKey } = await readCsr(req.csrPem);

  const now = req.now ?? new Date();
  if (now.getTime() >= ca.notAfter.getTime()) {
    throw new CaError(`invalid internal CA: certificate expired at ${ca.notAfter.toISOString()}`);
  }
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(Math.min(now.getTime() + req.ttlMs, ca.notAfter.getTime()));
  const serial = randomSerial();

  const caSki = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = caSki !== null
    ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey);

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [`${id.role}/${id.id}`] }],
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([...ROLE_EKUS[id.role]]),
      new x509.SubjectAlternativeNameExtension([
        { type: "url", value: id.uri },
        ...ips.map((value) => ({ type: "ip" as const, value })),
        ...dns.map((value) => ({ type: "dns" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      aki,
    ],
  });
  return {
    certPem: cert.toString("pem") + "\n",
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serial: cert.serialNumber.toLowerCase(),
  };
}
