/**
 * Trust bundles: the CA certificates a peer is checked against (several during rotation).
 * @module
 */
import { messageOf, sha256Hex, x509 } from "./_crypto.ts";
import { splitPem } from "./pem.ts";

/** An immutable set of trusted CA certificates, deduplicated by fingerprint. */
export class TrustBundle {
  /** The CA certificates, in the order given. */
  readonly certificates: readonly x509.X509Certificate[];
  readonly #fingerprints: readonly string[];

  private constructor(certs: readonly x509.X509Certificate[]) {
    const seen = new Set<string>();
    const keep: x509.X509Certificate[] = [];
    const fps: string[] = [];
    for (const c of certs) {
      const fp = sha256Hex(c.rawData);
      if (seen.has(fp)) continue;
      seen.add(fp);
      keep.push(c);
      fps.push(fp);
    }
    this.certificates = Object.freeze(keep);
    this.#fingerprints = Object.freeze(fps);
  }

  /**
   * Parses one or more PEM `CERTIFICATE` blocks.
   *
   * @throws {TypeError} `trust bundle holds no certificate` or `invalid trust bundle: <why>`
   */
  static fromPem(text: string): TrustBundle {
    let blocks: string[];
    try {
      blocks = splitPem(text, "CERTIFICATE");
    } catch (e) {
      throw new TypeError(`invalid trust bundle: ${messageOf(e)}`);
    }
    if (blocks.length === 0) throw new TypeError("trust bundle holds no certificate");
    return new TrustBundle(blocks.map((b, i) => {
      try {
        return new x509.X509Certificate(b);
      } catch (e) {
        throw new TypeError(`invalid trust bundle: certificate ${i + 1} cannot be parsed (${messageOf(e)})`);
      }
    }));
  }

  /** A bundle of already parsed certificates. */
  static of(certs: Iterable<x509.X509Certificate>): TrustBundle {
    return new TrustBundle([...certs]);
  }

  /** Each certificate as PEM. */
  pems(): string[] {
    return this.certificates.map((c) => c.toString("pem") + "\n");
  }

  /** All certificates as one PEM text. */
  toPem(): string {
    return this.pems().join("");
  }

  /** SHA-256 (lower-case hex) of each certificate's DER, in order. */
  fingerprints(): string[] {
    return [...this.#fingerprints];
  }

  /** Whether the bundle holds the certificate with this SHA-256 fingerprint (hex, any case, colons allowed). */
  has(fingerprint: string): boolean {
    return this.#fingerprints.includes(normalizeFingerprint(fingerprint));
  }

  /** A new bundle with `cert` added (no change when already present). */
  with(cert: x509.X509Certificate): TrustBundle {
    return new TrustBundle([...this.certificates, cert]);
  }

  /** A new bundle without the certificate of this fingerprint. */
  without(fingerprint: string): TrustBundle {
    const fp = normalizeFingerprint(fingerprint);
    return new TrustBundle(this.certificates.filter((_, i) => this.#fingerprints[i] !== fp));
  }
}

/** A SHA-256 fingerprint as the bundle keeps it: hex in lower case, colons removed. */
export function normalizeFingerprint(fp: string): string {
  return fp.replaceAll(":", "").toLowerCase();
}
