/**
 * The credentials an agent holds right now: its SVID and the trust bundle. One holder per
 * process; the gRPC channel (via SvidSource), the connector's TLS listener and the tunneler's
 * dialer all read from it, so a renewal or CA rotation is one atomic swap.
 * @module
 */
import { SvidSource } from "../grpc/svid_source.ts";
import type { Svid } from "../pki/svid.ts";
import type { TrustBundle } from "../pki/bundle.ts";

/** Called after each swap with the new credentials. */
export type CredentialsListener = (svid: Svid, bundle: TrustBundle) => void;

/** Current SVID and bundle, swapped atomically. */
export class AgentCredentials {
  #svid: Svid;
  #bundle: TrustBundle;
  readonly #listeners = new Set<CredentialsListener>();
  /** The grpc-js certificate provider fed from this holder. */
  readonly source: SvidSource;

  constructor(svid: Svid, bundle: TrustBundle) {
    this.#svid = svid;
    this.#bundle = bundle;
    this.source = new SvidSource(bundle.toPem(), { certPem: svid.certPem, keyPem: svid.keyPem });
  }

  get svid(): Svid {
    return this.#svid;
  }

  get bundle(): TrustBundle {
    return this.#bundle;
  }

  /** Replaces the SVID and/or the bundle; new handshakes use them, open connections continue. */
  update(change: { svid?: Svid; bundle?: TrustBundle }): void {
    if (change.svid) this.#svid = change.svid;
    if (change.bundle) this.#bundle = change.bundle;
    this.source.update({
      svid: { certPem: this.#svid.certPem, keyPem: this.#svid.keyPem },
      bundlePem: this.#bundle.toPem(),
    });
    for (const listener of this.#listeners) listener(this.#svid, this.#bundle);
  }

  /** Watches swaps; returns a function that stops watching. */
  onChange(listener: CredentialsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
