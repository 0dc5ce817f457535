/**
 * The agent's identity at rest: one file, `credentials.json` in the state directory, holding the
 * private key, the certificate, the trust bundle and the facts of identity.json, mode 0600 in a
 * directory of mode 0700.
 *
 * One file makes saving atomic: it is written to a temporary file in the same directory (mode
 * 0600 from the first byte), fsynced, renamed over the old one and the directory fsynced, so a
 * crash at any point leaves the old complete identity or the new one, never a key of one and a
 * certificate of the other. Earlier versions kept four files (key.pem, cert.pem, bundle.pem,
 * identity.json) renamed one after another; they are still read when credentials.json is absent
 * and removed by the next save (a renewal or a trust-bundle push).
 * @module
 */
import { join, resolve } from "node:path";
import { ConfigError } from "../config/config_error.ts";
import { type Svid, svidFromPem } from "../pki/svid.ts";
import { TrustBundle } from "../pki/bundle.ts";
import { syncDir, writeAtomic } from "./atomic_file.ts";

export { writeAtomic } from "./atomic_file.ts";

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

/** The stored file: everything of one identity, so that one rename replaces all of it. */
interface CredentialsFile {
  format: typeof FORMAT;
  meta: IdentityMeta;
  key_pem: string;
  cert_pem: string;
  bundle_pem: string;
}

const FORMAT = "postern-agent-identity/1";
const FILE = "credentials.json";
/** The layout before credentials.json, read for migration. */
const LEGACY = { key: "key.pem", cert: "cert.pem", bundle: "bundle.pem", meta: "identity.json" } as const;
/** Bits that let anyone but the owner in. */
const OTHERS = 0o077;

/** Saves in progress per state directory: saves of one process never interleave. */
const saving = new Map<string, Promise<unknown>>();

/** The identity of one agent, stored in its state directory. */
export class IdentityStore {
  /** @param dir the state directory (created 0700 on first save; narrowed to 0700 by every save) */
  constructor(readonly dir: string) {}

  /** The file holding key, certificate, trust bundle and facts (mode 0600). */
  get path(): string {
    return join(this.dir, FILE);
  }

  /** Whether an identity is stored (credentials.json, or the key and certificate of the old layout). */
  async exists(): Promise<boolean> {
    if (await present(this.path)) return true;
    return await present(this.#legacy("key")) && await present(this.#legacy("cert"));
  }

  /** The file that holds the private key now: credentials.json, or key.pem of the old layout. */
  async keyFile(): Promise<string> {
    return await present(this.path) ? this.path : this.#legacy("key");
  }

  /**
   * Loads and checks the stored identity: the key file must be readable by its owner only and
   * the key must match the certificate. Changes nothing on disk.
   *
   * @throws {ConfigError} when others may read the key file (it names the file and the fix)
   * @throws {Error} naming the file and what is wrong with it
   */
  async load(): Promise<StoredIdentity> {
    const stored = await this.#read();
    let svid: Svid;
    try {
      svid = await svidFromPem(stored.cert_pem, stored.key_pem);
    } catch (e) {
      throw new Error(`stored identity in ${this.dir} is unusable: ${(e as Error).message}`);
    }
    let bundle: TrustBundle;
    try {
      bundle = TrustBundle.fromPem(stored.bundle_pem);
    } catch (e) {
      throw new Error(`stored identity in ${this.dir} is unusable: trust bundle: ${(e as Error).message}`);
    }
    const meta = stored.meta;
    if (meta.spiffe_id !== svid.spiffeId.uri) {
      throw new Error(
        `stored identity in ${this.dir} is unusable: its facts name "${meta.spiffe_id}" but the certificate is "${svid.spiffeId.uri}"`,
      );
    }
    return { svid, bundle, meta };
  }

  /** Stores an identity in one atomic step (see the module doc); removes the files of the old layout. */
  save(identity: StoredIdentity): Promise<void> {
    return this.#serial(() => this.#write(identity));
  }

  /** Stores a new trust bundle with the stored key, certificate and facts, atomically like save(). */
  saveBundle(bundle: TrustBundle): Promise<void> {
    return this.#serial(async () => this.#write({ ...await this.load(), bundle }));
  }

  async #write(identity: StoredIdentity): Promise<void> {
    await this.#secureDir();
    const file: CredentialsFile = {
      format: FORMAT,
      meta: identity.meta,
      key_pem: identity.svid.keyPem,
      cert_pem: identity.svid.certPem,
      bundle_pem: identity.bundle.toPem(),
    };
    await writeAtomic(this.path, JSON.stringify(file, null, 2) + "\n", { mode: 0o600, durable: true });
    // credentials.json is what load() reads from now on: the old files and the temporary files
    // of interrupted saves (each with a key) can go.
    let removed = false;
    for (const name of [LEGACY.key, LEGACY.cert, LEGACY.bundle, LEGACY.meta]) {
      removed = await Deno.remove(join(this.dir, name)).then(() => true, () => false) || removed;
    }
    for await (const entry of Deno.readDir(this.dir)) {
      if (!entry.name.startsWith(`${FILE}.tmp-`)) continue;
      removed = await Deno.remove(join(this.dir, entry.name)).then(() => true, () => false) || removed;
    }
    if (removed) await syncDir(this.dir);
  }

  /** Creates the state directory 0700, or narrows an existing one that others can enter to 0700. */
  async #secureDir(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const mode = (await Deno.stat(this.dir)).mode! & 0o777;
    if ((mode & OTHERS) === 0) return;
    try {
      await Deno.chmod(this.dir, mode & ~OTHERS);
    } catch (e) {
      throw new ConfigError(
        `state directory ${this.dir} has mode ${mode.toString(8)} and cannot be narrowed to 700: ${
          (e as Error).message
        }; give the agent its own directory (systemd: StateDirectory= with StateDirectoryMode=0700)`,
      );
    }
  }

  /** The stored file, or the four files of the old layout read as one. */
  async #read(): Promise<CredentialsFile> {
    const text = await readIfPresent(this.path);
    if (text !== undefined) {
      await refuseOthersReadable(this.path);
      let parsed: Partial<CredentialsFile>;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error(`stored identity in ${this.dir} is unusable: ${this.path}: ${(e as Error).message}`);
      }
      for (const k of ["key_pem", "cert_pem", "bundle_pem"] as const) {
        if (typeof parsed[k] !== "string") {
          throw new Error(`stored identity in ${this.dir} is unusable: ${this.path} has no "${k}"`);
        }
      }
      if (parsed.format !== FORMAT || typeof parsed.meta !== "object" || parsed.meta === null) {
        throw new Error(
          `stored identity in ${this.dir} is unusable: ${this.path} is not a "${FORMAT}" file with "meta"`,
        );
      }
      return parsed as CredentialsFile;
    }
    const read = async (name: keyof typeof LEGACY) => {
      const p = this.#legacy(name);
      try {
        return await Deno.readTextFile(p);
      } catch (e) {
        throw new Error(`cannot read ${p}: ${(e as Error).message}`);
      }
    };
    const [key_pem, cert_pem, bundle_pem, metaText] = await Promise.all([
      read("key"),
      read("cert"),
      read("bundle"),
      read("meta"),
    ]);
    await refuseOthersReadable(this.#legacy("key"));
    let meta: IdentityMeta;
    try {
      meta = JSON.parse(metaText) as IdentityMeta;
    } catch (e) {
      throw new Error(`${this.#legacy("meta")}: ${(e as Error).message}`);
    }
    return { format: FORMAT, meta, key_pem, cert_pem, bundle_pem };
  }

  #legacy(name: keyof typeof LEGACY): string {
    return join(this.dir, LEGACY[name]);
  }

  /** Runs `step` after every save of this directory started before it (in this process). */
  #serial(step: () => Promise<void>): Promise<void> {
    const key = resolve(this.dir);
    const run = (saving.get(key) ?? Promise.resolve()).catch(() => {}).then(step);
    const tail = run.catch(() => {});
    saving.set(key, tail);
    tail.then(() => saving.get(key) === tail && saving.delete(key));
    return run;
  }
}

/**
 * Refuses a key file that users other than its owner may read: the agent will not use a key
 * that may have been copied (like ssh with a private key file others can read).
 */
async function refuseOthersReadable(path: string): Promise<void> {
  const mode = (await Deno.stat(path)).mode! & 0o777;
  if ((mode & OTHERS) !== 0) {
    throw new ConfigError(
      `private key file ${path} has mode ${
        mode.toString(8)
      }: other users may read it; run chmod 600 ${path} (and enroll again with a new token if it may have been copied)`,
    );
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function present(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
