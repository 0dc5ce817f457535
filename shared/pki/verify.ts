/**
 * Verification of a peer's X.509 SVID against a trust bundle and SPIFFE rules.
 * @module
 */
import { EC_PARAMS, messageOf, sha256Hex, x509 } from "./_crypto.ts";
import { canonicalIp } from "./_ip.ts";
import { unexpectedRoleMessage } from "./_role_error.ts";
import { sanNames, spiffeIdOf } from "./_san.ts";
import type { TrustBundle } from "./bundle.ts";
import { splitPem } from "./pem.ts";
import type { Role, SpiffeId } from "./spiffe_id.ts";
import { normalizeTrustDomain } from "./trust_domain.ts";

/** A peer certificate that must be refused. The message says why (failure modes 2.x). */
export class PeerVerificationError extends Error {
  /** @param message why the peer is refused */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PeerVerificationError";
  }
}

/** Options of {@link verifySvid}. */
export interface VerifyOptions {
  /** Expected trust domain (normalised before comparing). */
  trustDomain: string;
  /** Accepted roles. Default: any role. */
  roles?: readonly Role[];
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

/**
 * Parses one certificate from PEM (first CERTIFICATE block) or DER. Synchronous, for
 * node:tls callbacks.
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
    return new x509.X509Certificate(input as Uint8Array<ArrayBuffer>);
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

function isCa(c: x509.X509Certificate): boolean {
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  const ku = c.getExtension(x509.KeyUsagesExtension);
  return bc !== null && bc.ca && ku !== null && (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

/**
 * Verifies a peer's certificate chain (leaf first; PEM text, DER, parsed, or an array of
 * those) against `bundle`, then its SPIFFE ID, trust domain, role and, when given, the
 * dialled IP.
 *
 * @throws {PeerVerificationError} with Go-compatible texts, e.g.
 *   `x509: certificate signed by unknown authority`,
 *   `SPIFFE trust domain mismatch: expected "a", got "b"`
 */
export async function verifySvid(
  chain: CertificateInput | CertificateInput[],
  bundle: TrustBundle,
  opts: VerifyOptions,
): Promise<VerifiedPeer> {
  const fail = (msg: string): never => {
    throw new PeerVerificationError(msg);
  };
  let certs: x509.X509Certificate[];
  try {
    certs = toChain(chain);
  } catch (e) {
    return fail(messageOf(e));
  }
  const leaf = certs[0];
  if (leaf === undefined) return fail("invalid certificate: the peer sent no certificate");
  const now = opts.now ?? new Date();
  const t = now.getTime();
  const grace = opts.allowExpiredWithin ?? 0;

  // 1. Validity period of the leaf (as Go's crypto/x509 checks it first).
  if (t < leaf.notBefore.getTime()) {
    fail(
      `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is before ${leaf.notBefore.toISOString()}`,
    );
  }
  if (t > leaf.notAfter.getTime() + grace) {
    fail(
      `x509: certificate has expired or is not yet valid: current time ${now.toISOString()} is after ${leaf.notAfter.toISOString()}`,
    );
  }

  // 2. Chain to a bundle CA that is valid now, through optional intermediates.
  const anchors = bundle.certificates.filter((c) => validAt(c, t));
  let current = leaf;
  let anchor: x509.X509Certificate | undefined;
  const pool = certs.slice(1);
  for (let depth = 0; depth <= pool.length && anchor === undefined; depth++) {
    for (const a of anchors) {
      if (await signedBy(current, a)) {
        anchor = a;
        break;
      }
    }
    if (anchor !== undefined) break;
    let next: x509.X509Certificate | undefined;
    for (const p of pool) {
      if (p !== current && isCa(p) && validAt(p, t) && (await signedBy(current, p))) {
        next = p;
        break;
      }
    }
    if (next === undefined) break;
    current = next;
  }
  if (anchor === undefined) return fail("x509: certificate signed by unknown authority");

  // 3. SPIFFE ID, trust domain, role.
  let spiffeId: SpiffeId;
  try {
    spiffeId = spiffeIdOf(leaf);
  } catch (e) {
    return fail(`certificate has no valid SPIFFE ID: ${messageOf(e)}`);
  }
  let td: string;
  try {
    td = normalizeTrustDomain(opts.trustDomain);
  } catch (e) {
    return fail(messageOf(e));
  }
  if (spiffeId.trustDomain !== td) {
    fail(`SPIFFE trust domain mismatch: expected "${td}", got "${spiffeId.trustDomain}"`);
  }
  if (opts.roles !== undefined && !opts.roles.includes(spiffeId.role)) {
    fail(unexpectedRoleMessage(opts.roles, spiffeId.role));
  }

  // 4. The dialled IP.
  const ipSans = sanNames(leaf).ips;
  if (opts.dialedIp !== undefined) {
    const dialed = canonicalIp(opts.dialedIp) ?? opts.dialedIp;
    if (ipSans.length === 0) {
      fail(`x509: cannot validate certificate for ${opts.dialedIp} because it doesn't contain any IP SANs`);
    }
    if (!ipSans.includes(dialed)) {
      fail(`x509: certificate is valid for ${ipSans.join(", ")}, not ${opts.dialedIp}`);
    }
  }

  return {
    spiffeId,
    certificate: leaf,
    notAfter: leaf.notAfter,
    ipSans,
    issuerFingerprint: sha256Hex(anchor.rawData),
  };
}
