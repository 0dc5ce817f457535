/**
 * Internal: the certificates parsed lately, by the SHA-256 of their DER. Every RPC of an agent
 * presents its certificate twice over (the role check of the interceptor, then `verifySvid` in the
 * handler), and @peculiar/x509 takes about 1.8 ms of the event loop to parse one and decode its
 * extensions: with 10,000 agents connecting that was a third of the controller's busy time. Only
 * the parse is shared (the same bytes always parse the same); every verification runs in full.
 * @module
 */
import { sha256Hex, x509 } from "./_crypto.ts";

/** How many parsed certificates are kept (each some tens of KiB of ASN.1 objects). */
export const RECENT_PARSES = 256;

/** A bounded map from DER digest to its parsed certificate, the least recently used dropped first. */
export class RecentParses {
  readonly #byDigest = new Map<string, x509.X509Certificate>();

  constructor(private readonly capacity = RECENT_PARSES) {}

  /** The certificate of `der`, parsed once while it stays among the recent (throws as the parser does). */
  parse(der: Uint8Array): x509.X509Certificate {
    const digest = sha256Hex(der);
    const known = this.#byDigest.get(digest);
    if (known) {
      this.#byDigest.delete(digest);
      this.#byDigest.set(digest, known);
      return known;
    }
    // A copy: the caller may reuse its buffer, and the parsed certificate keeps its raw bytes.
    const parsed = new x509.X509Certificate(der.slice() as Uint8Array<ArrayBuffer>);
    // Decoded now, so that whoever meets it next finds its extensions decoded too.
    void parsed.extensions;
    this.#byDigest.set(digest, parsed);
    if (this.#byDigest.size > this.capacity) this.#byDigest.delete(this.#byDigest.keys().next().value!);
    return parsed;
  }

  /** How many are kept now. */
  get size(): number {
    return this.#byDigest.size;
  }
}
