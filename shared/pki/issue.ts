/**
 * The CA side of enrollment and renewal: a CSR in, an X.509 SVID out.
 * @module
 */
import { randomSerial } from "./_crypto.ts";
import { canonicalIp } from "../net/ip.ts";
import { ROLE_EKUS } from "./_svid_profile.ts";
import { signLeaf } from "./_leaf_der.ts";
import { CaError, type CertificateAuthority } from "./ca.ts";
import { readCsr, type VerifiedCsr } from "./csr.ts";
import { derToPem } from "./pem.ts";
import { parseSpiffeId } from "./spiffe_id.ts";
import { dnsNameProblem } from "./trust_domain.ts";

/** What to issue. */
export interface IssueRequest {
  /** PEM PKCS#10 request; only its public key is used, after its signature is checked. */
  csrPem?: string;
  /**
   * The same request as {@link readCsr} returned it, signature verified (then `csrPem` is not read
   * again). Only ever pass what `readCsr` returned: its key goes into the certificate as it is.
   */
  csr?: VerifiedCsr;
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
  const csr = req.csr ?? await readCsr(req.csrPem ?? "");

  const now = req.now ?? new Date();
  if (now.getTime() >= ca.notAfter.getTime()) {
    throw new CaError(`invalid internal CA: certificate expired at ${ca.notAfter.toISOString()}`);
  }
  // Whole seconds, as the certificate encodes them.
  const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
  const notAfter = new Date(
    Math.floor(Math.min(now.getTime() + req.ttlMs, ca.notAfter.getTime()) / 1000) * 1000,
  );
  const serial = randomSerial();
  const der = await signLeaf(ca, {
    serial,
    notBefore,
    notAfter,
    subjectCn: `${id.role}/${id.id}`,
    spki: csr.spki,
    ekus: ROLE_EKUS[id.role],
    uri: id.uri,
    ips,
    dns,
  });
  return { certPem: derToPem(der, "CERTIFICATE"), notBefore, notAfter, serial };
}
