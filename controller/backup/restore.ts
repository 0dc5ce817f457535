/**
 * `postern-controller restore`: loads a backup file into an empty store (a fresh state
 * directory, or an empty ETCD_PREFIX), refusing (exit 2) a store that holds anything. Entries are
 * written in atomic batches sized by the store's limits; a restore that fails half-way leaves a
 * store that the next attempt refuses, so the runbook says to empty it and restore again. The CA keys come from the sealed block
 * (with the passphrase) or, for a backup without them, from the configured CA; the restore then
 * writes the marker that lets agents that renewed after the backup carry on (adopt.ts).
 * The store's expiry of entries is not visible to a reader and so is not in the file; revoked
 * certificates are restored to expire at their notAfter (plus a margin) as when they were revoked,
 * and those already past it are left out. Files of any release carry keys of string parts and JSON values; the Deno KV
 * counter of older files (`["registry", "agents_rev"]`) is skipped, anything else that is not
 * JSON is refused by key.
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import type { CertificateAuthority } from "../../shared/pki/ca.ts";
import { openStore, type StoreBackends, type StoreConfig } from "../store/open.ts";
import { type CaKeyCodec, PLAIN_CA_KEYS } from "../store/sealed_key.ts";
import { commitSize, type Mutation, type Store } from "../store/store.ts";
import { SCHEMA_KEY, schemaProblem } from "../store/schema.ts";
import { REVOKED_PREFIX, revokedMutations } from "../registry/revoked.ts";
import type { RevokedCertificateRecord } from "../registry/types.ts";
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

/** Entries per commit at most (fewer when the store's limits say so). */
const BATCH = 100;

/** The Deno KV counter of backups written before the store seam: restore skips it. */
const OBSOLETE_COUNTER = ["registry", "agents_rev"];

/** Where the CA keys of a restore come from. */
export type CaKeySource = { passphrase: string } | { configured: CertificateAuthority; keyPem: string };

/** Options of {@link restoreState}. */
export interface RestoreOptions {
  /** The store to fill (CONTROLLER_STORE): opened, filled and closed. */
  config: StoreConfig;
  file: BackupFile;
  caKeys: CaKeySource;
  now?: () => number;
  /** How to open etcd (default: Deno KV only). */
  backends?: StoreBackends;
  /** How the store keeps CA keys (sealed on etcd); default in clear. */
  caKeyCodec?: CaKeyCodec;
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

/** What a refusal of a non-empty store names, and how to empty it. */
function target(config: StoreConfig): { names: string; empty: string } {
  if (config.kind === "kv") {
    return {
      names: `CONTROLLER_STATE_DIR "${config.stateDir}"`,
      empty: "restore only into an empty directory (stop the controller, move the directory away, restore)",
    };
  }
  return {
    names: `ETCD_PREFIX "${config.prefix}" of CONTROLLER_STORE`,
    empty:
      `restore only into an empty prefix (stop the controllers, etcdctl del --prefix ${config.prefix}, restore)`,
  };
}

/** The entries of a backup file as mutations, the CA keys filled in; refuses what the store cannot keep. */
function mutationsOf(
  file: BackupFile,
  keys: Record<string, string>,
  now: number,
): { mutations: Mutation[]; keyless: string[] } {
  let keyless: string[] = [];
  const mutations: Mutation[] = [];
  for (const e of file.entries) {
    const kvKey = decodeKey(e.key);
    if (sameKey(kvKey, RESTORE_MARKER) || sameKey(kvKey, OBSOLETE_COUNTER)) continue; // this restore writes its own marker
    if (!kvKey.every((p) => typeof p === "string" && p !== "" && !p.includes("/"))) {
      throw new ConfigError(
        `the backup holds key ${
          JSON.stringify(kvKey.map(String))
        }, which the store cannot keep (only non-empty text parts without "/"): restore it with the release that wrote it`,
      );
    }
    const key = kvKey as string[];
    if ((e.value as { type?: unknown })?.type !== "json") {
      throw new ConfigError(
        `the backup holds a ${JSON.stringify((e.value as { type?: unknown })?.type)} value at key ${
          JSON.stringify(key)
        }, which the store cannot keep (JSON values only): restore it with the release that wrote it`,
      );
    }
    let value = decodeValue(e.value);
    if (sameKey(key, SCHEMA_KEY)) {
      const problem = schemaProblem(value, "the backup");
      if (problem) throw new ConfigError(`cannot restore this backup: ${problem}`);
    }
    if (sameKey(key, CA_STATE_KEY)) {
      const filled = fillCaKeys(value as { cas: StoredCaKey[]; signing: string }, keys);
      value = filled.state;
      keyless = filled.keyless;
    }
    if (key[0] === REVOKED_PREFIX[0] && typeof (value as RevokedCertificateRecord)?.notAfter === "number") {
      // Kept until the certificate's notAfter (and a margin), as when it was revoked; past it, not at all.
      const r = value as RevokedCertificateRecord;
      if (r.notAfter > now) mutations.push(...revokedMutations([r], now).map((m) => ({ ...m, key })));
      continue;
    }
    mutations.push({ type: "set", key, value });
  }
  return { mutations, keyless };
}

/** Restores `o.file` into the empty store of `o.config`. */
export async function restoreState(o: RestoreOptions): Promise<RestoreResult> {
  const { file } = o;
  if (await entriesDigest(file.entries) !== file.entries_sha256) {
    throw new ConfigError(
      "the backup's entries do not match its entries_sha256: the file was altered or damaged",
    );
  }
  const keys = await caKeysOf(o);
  const codec = o.caKeyCodec ?? PLAIN_CA_KEYS;
  for (const [fp, pem] of Object.entries(keys)) if (pem) keys[fp] = await codec.encode(pem, fp);
  const now = (o.now ?? Date.now)();
  const { mutations, keyless } = mutationsOf(file, keys, now);
  const store = await openStore(o.config, o.backends);
  try {
    for await (const _ of store.list([], { limit: 1 })) {
      const t = target(o.config);
      throw new ConfigError(`${t.names} already holds controller state: ${t.empty}`);
    }
    const marker: RestoreMarker = { takenAt: Date.parse(file.taken_at), restoredAt: now };
    const all: Mutation[] = [...mutations, { type: "set", key: RESTORE_MARKER, value: marker }];
    for (const batch of batches(store, all)) await commit(store, batch, o.config);
    return { entries: mutations.length, keylessCas: keyless };
  } finally {
    await store.close();
  }
}

/** Splits `mutations` into commits within the store's limits (at most {@link BATCH} each). */
function* batches(store: Store, mutations: Mutation[]): Generator<Mutation[]> {
  const max = Math.min(BATCH, store.limits.maxOperationsPerCommit);
  let batch: Mutation[] = [];
  let bytes = 0;
  for (const m of mutations) {
    const size = commitSize([], [m]);
    if (batch.length > 0 && (batch.length >= max || bytes + size > store.limits.maxCommitBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

async function commit(store: Store, batch: Mutation[], config: StoreConfig): Promise<void> {
  const res = await store.commit([], batch);
  if (!res.ok) {
    throw new Error(`a restore batch did not commit: empty ${target(config).names} and restore again`);
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
