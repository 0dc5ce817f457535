/**
 * Verification of a peer's X.509 SVID against a trust bundle and SPIFFE rules.
 * @module
 */
import { EC_PARAMS, messageOf, sha256Hex, x509 } from "./_crypto.ts";
import { canonicalIp } from "../net/ip.ts";
import { sanNames, spiffeIdOf } from "./san.ts";
import { ekuNames, ROLE_EKUS } from "./_svid_profile.ts";
import type { Authorizer } from "./authorize.ts";
import type { TrustBundle } from "./bundle.ts";
import { splitPem } from "./pem.ts";
import { RecentParses } from "./_recent_parses.ts";
import { PeerVerificationError, type RefusalReason } from "./refusal.ts";
import type { SpiffeId } from "./spiffe_id.ts";
import { normalizeTrustDomain } from "./trust_domain.ts";

export { PeerVerificationError } from "./refusal.ts";
export type { RefusalReason } from "./refusal.ts";

/** Options of {@link verifySvid}. */
export interface VerifyOptions {
  /** Expected trust domain (normalised before comparing). */
  trustDomain: string;
  /**
   * Who may pass, asked with the verified SPIFFE ID (see authorize.ts: a role, one ID, a set,
   * an allowlist). Default: any member of the trust domain.
   */
  authorize?: Authorizer;
  /** Clock. Default: now. */
  now?: Date;
  /** The IP address that was dialled; the leaf must carry it as an IP SAN. Default: not checked. */
  dialedIp?: string;
  /** Grace in milliseconds after the leaf's notAfter. Default 0. */
  allowExpiredWithin?: number;
}

/** A verified peer. */
export interface VerifiedPeer {
  /** The peer's SPIFFE ID. */
  spiffeId: SpiffeId;
  /** The peer's leaf certificate. */
  certificate: x509.X509Certificate;
  /** End of the leaf's validity. */
  notAfter: Date;
  /** The leaf's IP SANs, canonical text. */
  ipSans: string[];
  /** SHA-256 (hex) of the bundle CA that anchors the chain. */
  issuerFingerprint: string;
}

/** A certificate as PEM, DER or parsed. */
export type CertificateInput = string | Uint8Array | x509.X509Certificate;

const recentDer = new RecentParses();

/**
 * Parses one certificate from PEM (first CERTIFICATE block) or DER. Synchronous, for
 * node:tls callbacks. The same DER met again soon gives the same parsed object (the peer's
 * certificate is parsed once for the role check and the verification of one call).
 *
 * @throws {TypeError} `invalid certificate: <why>`
 */
export function parseCertificate(input: string | Uint8Array): x509.X509Certificate {
  try {
    if (typeof input === "string") {
      const block = splitPem(input, "CERTIFICATE")[0];
      if (block === undefined) throw new TypeError("no CERTIFICATE PEM block found");
      return new x509.X509Certificate(block);
    }
    return recentDer.parse(input);
  } catch (e) {
    throw new TypeError(`invalid certificate: ${messageOf(e)}`);
  }
}

function toChain(chain: CertificateInput | CertificateInput[]): x509.X509Certificate[] {
  const items = Array.isArray(chain) ? chain : [chain];
  const out: x509.X509Certificate[] = [];
  for (const item of items) {
    if (item instanceof x509.X509Certificate) out.push(item);
    else if (typeof item === "string") {
      const blocks = splitPem(item, "CERTIFICATE");
      if (blocks.length === 0) throw new TypeError("invalid certificate: no CERTIFICATE PEM block found");
      for (const b of blocks) out.push(parseCertificate(b));
    } else out.push(parseCertificate(item));
  }
  return out;
}

function validAt(c: x509.X509Certificate, t: number): boolean {
  return c.notBefore.getTime() <= t && t <= c.notAfter.getTime();
}

function sameName(a: x509.Name, b: x509.Name): boolean {
  const x = new Uint8Array(a.toArrayBuffer());
  const y = new Uint8Array(b.toArrayBuffer());
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function signedBy(child: x509.X509Certificate, parent: x509.X509Certificate): Promise<boolean> {
  if (!sameName(child.issuerName, parent.subjectName)) return false;
  try {
    const key = await parent.publicKey.export(EC_PARAMS, ["verify"]);
    return await child.verify({ publicKey: key, signatureOnly: true });
  } catch {
    return false;
  }
}

const fail = (reason: RefusalReason, message: string): never => {
  throw new PeerVerificationError(reason, message);
};

/**
 * Checks the leaf's SPIFFE ID, its trust domain and the SVID profile of its role (not a CA, key
 * usage digitalSignature, the role's extended key usages). Synchronous and without the chain,
 * for TLS callbacks where the TLS stack has already chained the leaf to the bundle.
 *
 * @throws {PeerVerificationError} reasons `invalid_spiffe_id`, `trust_domain_mismatch`, `invalid_svid`
 */
export function checkSvidIdentity(leaf: x509.X509Certificate, trustDomain: string): SpiffeId {
  let spiffeId: SpiffeId;
  try {
    spiffeId = spiffeIdOf(leaf);
  } catch (e) {
    return fail("invalid_spiffe_id", `certificate has no valid SPIFFE ID: ${messageOf(e)}`);
  }
  let td: string;
  try {
    td = normalizeTrustDomain(trustDomain);
  } catch (e) {
    return fail("trust_domain_mismatch", messageOf(e));
  }
  if (spiffeId.trustDomain !== td) {
    fail(
      "trust_domain_mismatch",
      `SPIFFE trust domain mismatch: expected "${td}", got "${spiffeId.trustDomain}"`,
    );
  }
  const invalid = (why: string): never => fail("invalid_svid", `invalid SVID ${spiffeId.uri}: ${why}`);
  if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca === true) {
    invalid("the certificate is a CA (basicConstraints CA:TRUE); a peer must present a leaf certificate");
  }
  const ku = leaf.getExtension(x509.KeyUsagesExtension);
  if (ku === null || (ku.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    invalid("key usage digitalSignature is missing");
  }
  const has = (leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String);
  const missing = ROLE_EKUS[spiffeId.role].filter((u) => !has.includes(u));
  if (missing.length > 0) {
    invalid(
      `a ${spiffeId.role} certificate needs extended key usage ${
        ekuNames(ROLE_EKUS[spiffeId.role])
      }, it has ${ekuNames(has)}`,
    );
  }
  return spiffeId;
}

/**
 * Checks that `dialedIp` is one of the leaf's IP SANs (`ipSans`, canonical text), as Go's
 * crypto/x509 checks a host that is an IP.
 *
 * @throws {PeerVerificationError} reasons `ip_san_missing` (failure mode 2.2), `ip_san_mismatch`
 */
export function checkDialedIp(ipSans: readonly string[], dialedIp: string): void {
  const dialed = canonicalIp(dialedIp) ?? dialedIp;
  if (ipSans.length === 0) {
    fail(
      "ip_san_missing",
      `x509: cannot validate certificate for ${dialedIp} because it doesn't contain any IP SANs`,
    );
  }
  if (!ipSans.includes(dialed)) {
    fail("ip_san_mismatch", `x509: certificate is valid for ${ipSans.join(", ")}, not ${dialedIp}`);
  }
}

/**
 * Verifies a peer's certificate (leaf only; PEM text, DER, parsed, or an array of those) against
 * `bundle`, in this order: validity, issued directly by a CA of the bundle that is valid now (a
 * chain with intermediates is refused), SPIFFE ID and trust domain, the SVID profile of its role
 * (see {@link checkSvidIdentity}), `opts.authorize`, and when given the dialled IP.
 *
 * @throws {PeerVerificationError} with its `reason` and Go-compatible texts, e.g.
 *   `x509: certificate signed by unknown authority`,
 *   `SPIFFE trust domain mismatch: expected "a", got "b"`
 */
export async function verifySvid(
  chain: CertificateInput | CertificateInput[],
  bundle: TrustBundle,
  opts: VerifyOptions,
): Promise<VerifiedPeer> {
  let certs: x509.X509Certificate[];
  try {
    certs = toChain(chain);
  } catch (e) {
    return fail("invalid_certificate", messageOf(e));
  }
  const leaf = certs[0];
  if (leaf === undefined) return fail("no_certificate", "invalid certificate: the peer sent no certificate");
  const now = opts.now ?? new Date();
  const t = now.getTime();
  const grace = opts.allowExpiredWithin ?? 0;

  // 1. Validity period of the leaf (as Go's crypto/x509 checks it first).
  if (t < leaf.notBefore.getTime()) {
    fail(
      "expired",
      `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is before ${leaf.notBefore.toISOString()}`,
    );
  }
  if (t > leaf.notAfter.getTime() + grace) {
    fail(
      "expired",
      `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is after ${leaf.notAfter.toISOString()}`,
    );
  }

  // 2. Issued by a bundle CA that is valid now; only those CAs issue leaves (no intermediates).
  if (certs.length > 1) {
    fail(
      "unknown_authority",
      `x509: certificate signed by unknown authority (the peer sent ${
        certs.length - 1
      } intermediate certificate(s); leaves must be issued by a CA of the trust bundle itself)`,
    );
  }
  let anchor: x509.X509Certificate | undefined;
  for (const a of bundle.certificates) {
    if (validAt(a, t) && (await signedBy(leaf, a))) {
      anchor = a;
      break;
    }
  }
  if (anchor === undefined) return fail("unknown_authority", "x509: certificate signed by unknown authority");

  // 3. SPIFFE ID, trust domain, SVID profile; then who may pass.
  const spiffeId = checkSvidIdentity(leaf, opts.trustDomain);
  opts.authorize?.(spiffeId);

  // 4. The dialled IP.
  const ipSans = sanNames(leaf).ips;
  if (opts.dialedIp !== undefined) checkDialedIp(ipSans, opts.dialedIp);

  return {
    spiffeId,
    certificate: leaf,
    notAfter: leaf.notAfter,
    ipSans,
    issuerFingerprint: sha256Hex(anchor.rawData),
  };
}
