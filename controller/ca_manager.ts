/**
 * The controller's CAs: one signing CA and a trusted bundle (several during rotation), kept in
 * the store under ["ca", "state"] so that every controller sharing the store agrees: each one
 * watches the key, so a rotation step made through any controller reaches the others' listeners
 * (bundle push, own certificate reissue) as soon as the store delivers the change.
 * @module
 */
import { type CertificateAuthority, loadCa } from "../shared/pki/ca.ts";
import { normalizeFingerprint, TrustBundle } from "../shared/pki/bundle.ts";
import { FailureModeError } from "../shared/failure_modes/format.ts";
import { put, type Store, type Version, type Watch } from "./store/store.ts";
import { type CaKeyCodec, PLAIN_CA_KEYS } from "./store/sealed_key.ts";

/** The store key of the CA state. */
export const CA_STATE_KEY = ["ca", "state"] as const;

/** A CA as stored. */
interface StoredCa {
  fingerprint: string;
  certPem: string;
  keyPem: string;
  addedAt: number;
}

interface CaState {
  cas: StoredCa[];
  signing: string;
  /** Fingerprints retired by the operator; never trusted again. */
  retired: string[];
}

/** A rotation step refused; the admin API answers 400/404/409 with the message. */
export class RotationError extends Error {
  override name = "RotationError";
  /** HTTP status for the admin API. */
  readonly status: number;
  constructor(message: string, status = 409) {
    super(message);
    this.status = status;
  }
}

/** Summary of one CA for `GET /api/admin/ca`. */
export interface CaInfo {
  fingerprint: string;
  subject: string;
  not_before: string;
  not_after: string;
  signing: boolean;
  cert_pem: string;
}

/** Holds the signing CA and the trust bundle; tells listeners when either changes. */
export class CaManager {
  readonly #store: Store;
  #cas = new Map<string, CertificateAuthority>();
  #signing!: CertificateAuthority;
  #bundle!: TrustBundle;
  readonly #listeners = new Set<() => void>();
  /** The version of the state applied last; older states (a late watch event) are ignored. */
  #version: Version = "";
  /** Applies run one after the other, so that a slow load never overwrites a newer state. */
  #chain: Promise<void> = Promise.resolve();
  #watch: Watch | undefined;

  readonly #caKeys: CaKeyCodec;

  private constructor(store: Store, caKeys: CaKeyCodec) {
    this.#store = store;
    this.#caKeys = caKeys;
  }

  /** Follows changes of the CA state made through any controller sharing the store. */
  #follow(): void {
    this.#watch = this.#store.watch(CA_STATE_KEY.slice(0, 1), {
      onEvents: (events) => {
        for (const e of events) {
          if (e.type !== "put" || e.key.join("/") !== CA_STATE_KEY.join("/")) continue;
          // A state that does not load keeps the current one, as a failed refresh always did.
          this.#applyAt(e.value as CaState, e.version).catch(() => {});
        }
      },
      onResync: () => void this.refresh().catch(() => {}),
    });
  }

  /** Stops following the stored state. */
  close(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }

  /**
   * Opens the CA state: the stored state when there is one (rotation survives restarts), else the
   * configured CA, which is then stored. A configured CA unknown to the stored state is added to
   * the bundle (not signing) so a restart with new files never breaks trust.
   */
  static async open(
    store: Store,
    configured: CertificateAuthority,
    keyPem: string,
    caKeys: CaKeyCodec = PLAIN_CA_KEYS,
  ): Promise<CaManager> {
    const m = new CaManager(store, caKeys);
    m.#follow();
    try {
      return await m.#open(configured, keyPem);
    } catch (e) {
      m.close();
      throw e;
    }
  }

  async #open(configured: CertificateAuthority, keyPem: string): Promise<CaManager> {
    const store = this.#store;
    const storedKey = await this.#caKeys.encode(keyPem, configured.fingerprint);
    const entry = await store.get<CaState>(CA_STATE_KEY);
    if (!entry.value) {
      const state: CaState = {
        cas: [{
          fingerprint: configured.fingerprint,
          certPem: configured.certPem,
          keyPem: storedKey,
          addedAt: Date.now(),
        }],
        signing: configured.fingerprint,
        retired: [],
      };
      const res = await store.commit([entry], [{ type: "set", key: CA_STATE_KEY, value: state }]);
      if (!res.ok) return await this.#open(configured, keyPem);
      await this.#applyAt(state, res.version);
      return this;
    }
    const state = entry.value;
    if (
      !state.cas.some((c) => c.fingerprint === configured.fingerprint) &&
      !state.retired.includes(configured.fingerprint)
    ) {
      state.cas.push({
        fingerprint: configured.fingerprint,
        certPem: configured.certPem,
        keyPem: storedKey,
        addedAt: Date.now(),
      });
      await this.#applyAt(state, await put(store, CA_STATE_KEY, state));
      return this;
    }
    await this.#applyAt(state, entry.version);
    return this;
  }

  /** The CA that signs new certificates. */
  get signing(): CertificateAuthority {
    return this.#signing;
  }

  /** Every trusted CA. */
  get bundle(): TrustBundle {
    return this.#bundle;
  }

  /** Calls `fn` after every change of bundle or signing CA; returns an unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The bundle for the admin API. */
  describe(): CaInfo[] {
    return [...this.#cas.values()].map((ca) => ({
      fingerprint: ca.fingerprint,
      subject: ca.certificate.subject,
      not_before: ca.certificate.notBefore.toISOString(),
      not_after: ca.notAfter.toISOString(),
      signing: ca.fingerprint === this.#signing.fingerprint,
      cert_pem: ca.certPem.endsWith("\n") ? ca.certPem : ca.certPem + "\n",
    }));
  }

  /** Re-reads the stored state (after a watch resync; the watch delivers every change otherwise). */
  async refresh(): Promise<void> {
    const entry = await this.#store.get<CaState>(CA_STATE_KEY);
    if (entry.value) await this.#applyAt(entry.value, entry.version);
  }

  /** Rotation step 1: trust a new CA (it does not sign yet). */
  async prepare(certPem: string, keyPem: string): Promise<CaInfo> {
    const ca = await loadCa(certPem, keyPem).catch((e) => {
      throw new RotationError((e as Error).message, 400);
    });
    const storedKey = await this.#caKeys.encode(keyPem, ca.fingerprint);
    await this.#change((s) => {
      if (s.retired.includes(ca.fingerprint)) {
        throw new RotationError(`CA ${ca.fingerprint} was retired: create a new CA with init-ca`);
      }
      if (!s.cas.some((c) => c.fingerprint === ca.fingerprint)) {
        s.cas.push({
          fingerprint: ca.fingerprint,
          certPem: ca.certPem,
          keyPem: storedKey,
          addedAt: Date.now(),
        });
      }
    });
    return this.describe().find((c) => c.fingerprint === ca.fingerprint)!;
  }

  /** Rotation step 2: a trusted CA becomes the signing CA. */
  async activate(fingerprint: string): Promise<void> {
    const fp = normalizeFingerprint(fingerprint);
    await this.#change((s) => {
      if (!s.cas.some((c) => c.fingerprint === fp)) {
        throw new RotationError(`unknown CA fingerprint "${fingerprint}"`, 404);
      }
      s.signing = fp;
    });
  }

  /** Rotation step 3: an old CA stops being trusted; refused while it signs. */
  async retire(fingerprint: string): Promise<void> {
    const fp = normalizeFingerprint(fingerprint);
    await this.#change((s) => {
      if (!s.cas.some((c) => c.fingerprint === fp)) {
        throw new RotationError(`unknown CA fingerprint "${fingerprint}"`, 404);
      }
      if (s.signing === fp) {
        throw new RotationError(`CA ${fp} still signs certificates: activate another CA first`);
      }
      s.cas = s.cas.filter((c) => c.fingerprint !== fp);
      s.retired.push(fp);
    });
  }

  /** SIGHUP with new CA files: the new CA is trusted and signs; the old one stays trusted. */
  async reloadConfigured(ca: CertificateAuthority, keyPem: string): Promise<boolean> {
    if (this.#cas.has(ca.fingerprint)) return false;
    const storedKey = await this.#caKeys.encode(keyPem, ca.fingerprint);
    await this.#change((s) => {
      s.cas.push({
        fingerprint: ca.fingerprint,
        certPem: ca.certPem,
        keyPem: storedKey,
        addedAt: Date.now(),
      });
      s.signing = ca.fingerprint;
    });
    return true;
  }

  async #change(edit: (s: CaState) => void): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#store.get<CaState>(CA_STATE_KEY);
      const state: CaState = structuredClone(entry.value!);
      edit(state);
      const res = await this.#store.commit([entry], [{ type: "set", key: CA_STATE_KEY, value: state }]);
      if (res.ok) {
        await this.#applyAt(state, res.version);
        return;
      }
    }
    throw new Error("could not update the CA state: too many concurrent changes");
  }

  /** Applies `state` written at `version`, after the applies before it, unless a newer one was applied. */
  #applyAt(state: CaState, version: Version): Promise<void> {
    const run = this.#chain.then(async () => {
      if (version <= this.#version) return;
      await this.#apply(state);
      this.#version = version;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  /** A stored CA, or undefined when it does not load: its key does not open, or it is not the CA it says. */
  async #load(c: StoredCa): Promise<CertificateAuthority | undefined> {
    try {
      const ca = await loadCa(c.certPem, await this.#caKeys.decode(c.keyPem, c.fingerprint));
      return ca.fingerprint === c.fingerprint ? ca : undefined;
    } catch {
      return undefined;
    }
  }

  async #apply(state: CaState): Promise<void> {
    const cas = new Map<string, CertificateAuthority>();
    for (const c of state.cas) {
      const ca = this.#cas.get(c.fingerprint) ?? await this.#load(c);
      if (ca) cas.set(c.fingerprint, ca);
    }
    const signing = cas.get(state.signing);
    if (!signing) {
      throw new FailureModeError(
        "1.3",
        `invalid internal CA: the signing CA ${state.signing} cannot be loaded`,
      );
    }
    // The periodic refresh reads the same state almost always. Listeners push the bundle to every
    // connected agent and reissue the controller's certificate, so they run only on a change.
    const changed = signing !== this.#signing || !sameKeys(cas, this.#cas);
    if (!changed) return;
    this.#cas = cas;
    this.#signing = signing;
    this.#bundle = TrustBundle.of([...cas.values()].map((c) => c.certificate));
    for (const fn of this.#listeners) fn();
  }
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}
