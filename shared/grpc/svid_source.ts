import { experimental } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** The PEM material of an SVID: a certificate (chain) and its PKCS#8 private key. */
export interface SvidPem {
  certPem: string;
  keyPem: string;
}

/**
 * The current SVID and trust bundle of one process, as a grpc-js CertificateProvider.
 *
 * `update()` swaps both atomically: every TLS handshake after it uses the new credentials,
 * while streams already open keep running on the connection they have (renewal and CA
 * rotation never drop a stream). Listeners are grpc-js credentials that watch the source.
 */
export class SvidSource implements experimental.CertificateProvider {
  #bundlePem: string;
  #svid: SvidPem | undefined;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();

  /** @param bundlePem trusted CA certificates, PEM, concatenated. @param svid own identity, if any. */
  constructor(bundlePem: string, svid?: SvidPem) {
    this.#bundlePem = bundlePem;
    this.#svid = svid;
  }

  /** The trust bundle in force, PEM. */
  get bundlePem(): string {
    return this.#bundlePem;
  }

  /** The SVID in force, if this process has one. */
  get svid(): SvidPem | undefined {
    return this.#svid;
  }

  /** Replaces the SVID and/or the bundle and tells every watching credential at once. */
  update(change: { svid?: SvidPem; bundlePem?: string }): void {
    if (change.bundlePem !== undefined) this.#bundlePem = change.bundlePem;
    if (change.svid !== undefined) this.#svid = change.svid;
    const ca = this.#caUpdate();
    const identity = this.#identityUpdate();
    for (const listener of this.#caListeners) listener(ca);
    for (const listener of this.#identityListeners) listener(identity);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    // grpc-js registers its own watcher only after this returns: announce on the next tick.
    queueMicrotask(() => this.#caListeners.has(listener) && listener(this.#caUpdate()));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => this.#identityListeners.has(listener) && listener(this.#identityUpdate()));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  #caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: Buffer.from(this.#bundlePem) };
  }

  #identityUpdate(): experimental.IdentityCertificateUpdate | null {
    if (!this.#svid) return null;
    return { certificate: Buffer.from(this.#svid.certPem), privateKey: Buffer.from(this.#svid.keyPem) };
  }
}
