/**
 * The agent's state directory: key.pem (0600), cert.pem, bundle.pem and identity.json, each
 * written atomically (temporary file, then rename) so a crash never leaves a torn identity.
 * @module
 */
import { join } from "node:path";
import { type Svid, svidFromPem } from "../pki/svid.ts";
import { TrustBundle } from "../pki/bundle.ts";

/** Facts about an identity beyond the certificate. */
export interface IdentityMeta {
  /** `spiffe://<td>/<role>/<id>`. */
  spiffe_id: string;
  role: "connector" | "tunneler";
  id: string;
  trust_domain: string;
  /** Connectors: the IP carried as an IP SAN. */
  private_ip?: string;
  /** RFC 3339 time of enrollment. */
  enrolled_at: string;
  /** RFC 3339 time of the last renewal, if any. */
  renewed_at?: string;
}

/** A loaded identity. */
export interface StoredIdentity {
  svid: Svid;
  bundle: TrustBundle;
  meta: IdentityMeta;
}

/** Writes `text` to `path` atomically with `mode`. */
export async function writeAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(tmp, text, { mode, createNew: true });
    await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** The identity files of one agent. */
export class IdentityStore {
  /** @param dir the state directory (created 0700 on first save) */
  constructor(readonly dir: string) {}

  get keyPath(): string {
    return join(this.dir, "key.pem");
  }
  get certPath(): string {
    return join(this.dir, "cert.pem");
  }
  get bundlePath(): string {
    return join(this.dir, "bundle.pem");
  }
  get metaPath(): string {
    return join(this.dir, "identity.json");
  }

  /** Whether an identity (the key and certificate files) is stored. */
  async exists(): Promise<boolean> {
    for (const p of [this.keyPath, this.certPath]) {
      try {
        await Deno.stat(p);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return false;
        throw e;
      }
    }
    return true;
  }

  /**
   * Loads and checks the stored identity: the key must match the certificate.
   *
   * @throws {Error} naming the file and what is wrong with it
   */
  async load(): Promise<StoredIdentity> {
    const read = async (p: string) => {
      try {
        return await Deno.readTextFile(p);
      } catch (e) {
        throw new Error(`cannot read ${p}: ${(e as Error).message}`);
      }
    };
    const [keyPem, certPem, bundlePem, metaText] = await Promise.all([
      read(this.keyPath),
      read(this.certPath),
      read(this.bundlePath),
      read(this.metaPath),
    ]);
    let svid: Svid;
    try {
      svid = await svidFromPem(certPem, keyPem);
    } catch (e) {
      throw new Error(`stored identity in ${this.dir} is unusable: ${(e as Error).message}`);
    }
    let bundle: TrustBundle;
    try {
      bundle = TrustBundle.fromPem(bundlePem);
    } catch (e) {
      throw new Error(`${this.bundlePath}: ${(e as Error).message}`);
    }
    let meta: IdentityMeta;
    try {
      meta = JSON.parse(metaText) as IdentityMeta;
    } catch (e) {
      throw new Error(`${this.metaPath}: ${(e as Error).message}`);
    }
    if (meta.spiffe_id !== svid.spiffeId.uri) {
      throw new Error(
        `stored identity in ${this.dir} is unusable: identity.json names "${meta.spiffe_id}" but the certificate is "${svid.spiffeId.uri}"`,
      );
    }
    return { svid, bundle, meta };
  }

  /** Stores an identity; the key file is written first so cert and key never mismatch for long. */
  async save(identity: StoredIdentity): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeAtomic(this.keyPath, identity.svid.keyPem, 0o600);
    await writeAtomic(this.certPath, identity.svid.certPem, 0o644);
    await writeAtomic(this.bundlePath, identity.bundle.toPem(), 0o644);
    await writeAtomic(this.metaPath, JSON.stringify(identity.meta, null, 2) + "\n", 0o644);
  }

  /** Stores a new trust bundle only. */
  async saveBundle(bundle: TrustBundle): Promise<void> {
    await writeAtomic(this.bundlePath, bundle.toPem(), 0o644);
  }
}
