/**
 * `postern-controller restore`: loads a backup file into an empty store (a fresh state
 * directory), refusing (exit 2) a store that holds anything. Entries are written in atomic
 * batches; a restore that fails half-way leaves a store that the next attempt refuses, so the
 * runbook says to remove the directory and restore again. The CA keys come from the sealed block
 * (with the passphrase) or, for a backup without them, from the configured CA; the restore then
 * writes the marker that lets agents that renewed after the backup carry on (adopt.ts).
 * KV's own expiry of entries (`expireIn`, used for revoked certificates) is not visible to a
 * reader and so is not carried: restored revoked entries stay, and readers ignore them after their
 * notAfter as they do now.
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import type { CertificateAuthority } from "../../shared/pki/ca.ts";
import { openStateKv, secureStateDir } from "../state_dir.ts";
import { RESTORE_MARKER, type RestoreMarker } from "./adopt.ts";
import { decodeKey, decodeValue } from "./codec.ts";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupFile,
  CA_STATE_KEY,
  entriesDigest,
  sameKey,
  sealAad,
  type StoredCaKey,
} from "./format.ts";
import { SealError, unseal } from "./seal.ts";

/** Entries per atomic commit (Deno KV allows 1000 mutations and 800 KiB). */
const BATCH = 100;
const BATCH_BYTES = 400_000;

/** Where the CA keys of a restore come from. */
export type CaKeySource = { passphrase: string } | { configured: CertificateAuthority; keyPem: string };

/** Options of {@link restoreState}. */
export interface RestoreOptions {
  stateDir: string;
  file: BackupFile;
  caKeys: CaKeySource;
  now?: () => number;
}

/** What a restore did. */
export interface RestoreResult {
  entries: number;
  /** CAs of the backup whose key was not available (no longer trusted after the restore). */
  keylessCas: string[];
}

/** Parses and checks a backup file's text; ConfigError naming `path` when it is not one. */
export function parseBackupFile(text: string, path: string): BackupFile {
  let f: BackupFile;
  try {
    f = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `backup file "${path}" is not JSON (${(e as Error).message}): give a file that backup wrote`,
    );
  }
  if (f?.format !== BACKUP_FORMAT) {
    throw new ConfigError(`"${path}" is not a Postern controller backup: give a file that backup wrote`);
  }
  if (f.version !== BACKUP_VERSION) {
    throw new ConfigError(
      `backup file "${path}" has format version ${
        JSON.stringify(f.version)
      }; this release reads version ${BACKUP_VERSION}: restore with the release that wrote it`,
    );
  }
  if (!Array.isArray(f.entries) || typeof f.taken_at !== "string" || Number.isNaN(Date.parse(f.taken_at))) {
    throw new ConfigError(
      `backup file "${path}" is damaged (entries or taken_at missing): use another backup`,
    );
  }
  return f;
}

/** Restores `o.file` into the empty store of `o.stateDir`. */
export async function restoreState(o: RestoreOptions): Promise<RestoreResult> {
  const { file } = o;
  if (await entriesDigest(file.entries) !== file.entries_sha256) {
    throw new ConfigError(
      "the backup's entries do not match its entries_sha256: the file was altered or damaged",
    );
  }
  const keys = await caKeysOf(o);
  await secureStateDir(o.stateDir);
  const kv = await openStateKv(o.stateDir);
  try {
    for await (const _ of kv.list({ prefix: [] }, { limit: 1 })) {
      throw new ConfigError(
        `CONTROLLER_STATE_DIR "${o.stateDir}" already holds controller state: restore only into an empty directory (stop the controller, move the directory away, restore)`,
      );
    }
    let keyless: string[] = [];
    let op = kv.atomic();
    let count = 0;
    let bytes = 0;
    let written = 0;
    for (const e of file.entries) {
      const key = decodeKey(e.key);
      if (sameKey(key, RESTORE_MARKER)) continue; // this restore writes its own
      let value = decodeValue(e.value);
      if (sameKey(key, CA_STATE_KEY)) {
        const filled = fillCaKeys(value as { cas: StoredCaKey[]; signing: string }, keys);
        value = filled.state;
        keyless = filled.keyless;
      }
      op = op.set(key, value);
      count++;
      bytes += JSON.stringify(e).length;
      if (count >= BATCH || bytes >= BATCH_BYTES) {
        await commit(op);
        written += count;
        op = kv.atomic();
        count = bytes = 0;
      }
    }
    const marker: RestoreMarker = { takenAt: Date.parse(file.taken_at), restoredAt: (o.now ?? Date.now)() };
    await commit(op.set(RESTORE_MARKER, marker));
    return { entries: written + count, keylessCas: keyless };
  } finally {
    kv.close();
  }
}

async function commit(op: Deno.AtomicOperation): Promise<void> {
  const res = await op.commit();
  if (!res.ok) {
    throw new Error("a restore batch did not commit: remove the state directory and restore again");
  }
}

async function caKeysOf(o: RestoreOptions): Promise<Record<string, string>> {
  const { file, caKeys } = o;
  if ("passphrase" in caKeys) {
    if (file.ca_keys !== "sealed" || !file.sealed_ca_keys) {
      throw new ConfigError(
        "this backup was taken --without-ca-key: restore it without --key-passphrase-file, with the CA configured in INTERNAL_CA_CERT_FILE and INTERNAL_CA_KEY_FILE",
      );
    }
    try {
      return JSON.parse(await unseal(file.sealed_ca_keys, caKeys.passphrase, sealAad(file)));
    } catch (e) {
      if (e instanceof SealError) throw new ConfigError(`${e.message}: check --key-passphrase-file`);
      throw e;
    }
  }
  return { [caKeys.configured.fingerprint]: caKeys.keyPem };
}

function fillCaKeys(
  state: { cas: StoredCaKey[]; signing: string },
  keys: Record<string, string>,
): { state: unknown; keyless: string[] } {
  if (!keys[state.signing]) {
    throw new ConfigError(
      `the backup's signing CA ${state.signing} has no key here: configure that CA in INTERNAL_CA_CERT_FILE and INTERNAL_CA_KEY_FILE, or restore a backup with its key sealed (--key-passphrase-file)`,
    );
  }
  const keyless = state.cas.filter((c) => !keys[c.fingerprint]).map((c) => c.fingerprint);
  return {
    state: { ...state, cas: state.cas.map((c) => ({ ...c, keyPem: keys[c.fingerprint] ?? "" })) },
    keyless,
  };
}
