/**
 * `postern-controller backup`: one consistent snapshot of the controller's KV store into a file
 * of mode 0600 that is never overwritten. Safe while the controller runs (SQLite in WAL mode lets
 * another process read; the snapshot is consistent, see snapshot.ts).
 * @module
 */
import { join } from "node:path";
import { ConfigError } from "../../shared/config/config_error.ts";
import { VERSION } from "../../shared/version.ts";
import { KV_FILE, openStateKv } from "../state_dir.ts";
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
  stateDir: string;
  caKeys: CaKeyChoice;
  now?: () => number;
  /** PBKDF2 iterations (tests use fewer). */
  iterations?: number;
}

/** Reads the store of `stateDir` into a backup file's content. */
export async function backupState(o: BackupOptions): Promise<BackupFile> {
  try {
    await Deno.stat(join(o.stateDir, KV_FILE));
  } catch {
    throw new ConfigError(
      `no controller state in "${o.stateDir}" (no ${KV_FILE}): set CONTROLLER_STATE_DIR to the controller's state directory`,
    );
  }
  const kv = await openStateKv(o.stateDir);
  let entries: Deno.KvEntry<unknown>[];
  const takenAt = (o.now ?? Date.now)();
  try {
    entries = await snapshot(kv);
  } finally {
    kv.close();
  }
  let caKeys: Record<string, string> = {};
  const out: BackupEntry[] = entries.map((e) => {
    let value = e.value;
    if (sameKey(e.key, CA_STATE_KEY)) {
      const split = splitCaKeys(value as { cas: StoredCaKey[] });
      value = split.state;
      caKeys = split.keys;
    }
    try {
      return { key: encodeKey(e.key), value: encodeValue(value) };
    } catch (err) {
      throw new Error(
        `cannot back up KV key ${JSON.stringify(e.key.map(String))}: ${(err as Error).message}`,
      );
    }
  });
  const head = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    postern_version: VERSION,
    taken_at: new Date(takenAt).toISOString(),
    prefixes: [...new Set(entries.map((e) => String(e.key[0])))].sort(),
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
