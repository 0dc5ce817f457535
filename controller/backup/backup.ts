/**
 * `postern-controller backup`: one consistent snapshot of the controller's store (Deno KV or etcd)
 * into a file of mode 0600 that is never overwritten. Safe while the controller runs (Deno KV:
 * SQLite in WAL mode lets another process read; the snapshot is consistent, see snapshot.ts).
 * Keys that live under a lease of a running controller (presence and its ownership keys, the
 * migration lock) are left out on both backends: they describe processes, not state. On etcd the
 * CA keys are stored sealed with CA_KEY_ENCRYPTION_KEY_FILE; backup opens them (`caKeyCodec`) so
 * that the file is the same whichever backend it came from and restores into either.
 * @module
 */
import { join } from "node:path";
import { ConfigError } from "../../shared/config/config_error.ts";
import { VERSION } from "../../shared/version.ts";
import { KV_FILE } from "../state_dir.ts";
import { PRESENCE_PREFIX } from "../cluster_presence.ts";
import { openStore, type StoreBackends, type StoreConfig } from "../store/open.ts";
import { MIGRATION_KEY } from "../store/schema.ts";
import { type CaKeyCodec, PLAIN_CA_KEYS } from "../store/sealed_key.ts";
import type { Store, StoreKey } from "../store/store.ts";
import { encodeKey, encodeValue } from "./codec.ts";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupEntry,
  type BackupFile,
  CA_STATE_KEY,
  entriesDigest,
  sameKey,
  sealAad,
  splitCaKeys,
  type StoredCaKey,
} from "./format.ts";
import { seal } from "./seal.ts";
import { snapshot } from "./snapshot.ts";

/** How the CA keys are kept: sealed with a passphrase, or left out. */
export type CaKeyChoice = { passphrase: string } | "omit";

/** Options of {@link backupState}. */
export interface BackupOptions {
  /** The store to read (CONTROLLER_STORE): opened, read and closed. */
  config: StoreConfig;
  caKeys: CaKeyChoice;
  now?: () => number;
  /** PBKDF2 iterations (tests use fewer). */
  iterations?: number;
  /** How to open etcd (default: Deno KV only). */
  backends?: StoreBackends;
  /** How the store keeps CA keys (sealed on etcd); default in clear. */
  caKeyCodec?: CaKeyCodec;
}

/** Keys of running processes, never backed up: presence (lease per controller) and the migration lock. */
export const EPHEMERAL_KEYS: readonly StoreKey[] = [PRESENCE_PREFIX, MIGRATION_KEY];

/** Whether `key` is, or lies under, one of {@link EPHEMERAL_KEYS}. */
export function isEphemeral(key: StoreKey): boolean {
  return EPHEMERAL_KEYS.some((p) => p.length <= key.length && p.every((s, i) => key[i] === s));
}

/**
 * Opens the store that `config` names to back it up; for Deno KV, refuses (exit 2) a state
 * directory without a KV file instead of creating an empty one.
 */
export async function openStoreToBackUp(config: StoreConfig, backends: StoreBackends = {}): Promise<Store> {
  if (config.kind === "kv") {
    try {
      await Deno.stat(join(config.stateDir, KV_FILE));
    } catch {
      throw new ConfigError(
        `no controller state in "${config.stateDir}" (no ${KV_FILE}): set CONTROLLER_STATE_DIR to the controller's state directory`,
      );
    }
  }
  return await openStore(config, backends);
}

/** Reads the store of `o.config` into a backup file's content. */
export async function backupState(o: BackupOptions): Promise<BackupFile> {
  const store = await openStoreToBackUp(o.config, o.backends);
  const takenAt = (o.now ?? Date.now)();
  let entries;
  try {
    entries = (await snapshot(store)).filter((e) => !isEphemeral(e.key));
  } finally {
    await store.close();
  }
  let caKeys: Record<string, string> = {};
  const codec = o.caKeyCodec ?? PLAIN_CA_KEYS;
  for (const e of entries) {
    if (!sameKey(e.key, CA_STATE_KEY)) continue;
    const split = splitCaKeys(e.value as { cas: StoredCaKey[] });
    for (const [fp, stored] of Object.entries(split.keys)) {
      if (stored) split.keys[fp] = await codec.decode(stored, fp);
    }
    e.value = split.state;
    caKeys = split.keys;
  }
  const out: BackupEntry[] = entries.map((e) => {
    const value = e.value;
    try {
      return { key: encodeKey(e.key as string[]), value: encodeValue(value) };
    } catch (err) {
      throw new Error(`cannot back up key ${JSON.stringify(e.key)}: ${(err as Error).message}`);
    }
  });
  const head = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    postern_version: VERSION,
    taken_at: new Date(takenAt).toISOString(),
    prefixes: [...new Set(entries.map((e) => e.key[0]!))].sort(),
    ca_keys: o.caKeys === "omit" ? "omitted" : "sealed",
    entries_sha256: await entriesDigest(out),
  } as const;
  const file: BackupFile = { ...head, entries: out };
  if (o.caKeys !== "omit") {
    file.sealed_ca_keys = await seal(
      JSON.stringify(caKeys),
      o.caKeys.passphrase,
      sealAad(head),
      o.iterations,
    );
  }
  return file;
}

/** Writes `file` to `path` with mode 0600; refuses (exit 2) when `path` exists. */
export async function writeBackupFile(path: string, file: BackupFile): Promise<void> {
  try {
    await Deno.writeTextFile(path, JSON.stringify(file) + "\n", { createNew: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      throw new ConfigError(`backup file "${path}" already exists: choose another --out or remove it`);
    }
    throw new ConfigError(`cannot write backup file "${path}": ${(e as Error).message}: check the path`);
  }
  await Deno.chmod(path, 0o600); // the umask may have filtered the mode
}
