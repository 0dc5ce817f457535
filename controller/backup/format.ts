/**
 * The backup file: a header (format, version, time, the key prefixes it holds, how the CA keys
 * are kept) and every entry of the controller's store (Deno KV or etcd: the same file). The CA private keys are never in the
 * entries: they are taken out of the CA state and either sealed with a passphrase
 * (`sealed_ca_keys`) or left out (`ca_keys: "omitted"`). Every key space is taken whole, so state
 * that later versions add is backed up without a change here.
 * @module
 */
import { type EncodedKeyPart, type EncodedValue } from "./codec.ts";
import type { Sealed } from "./seal.ts";
import type { StoreKey } from "../store/store.ts";
import { sameItems } from "../../shared/same_items.ts";
export { CA_STATE_KEY } from "../ca_manager.ts";

/** The `format` field of every backup file. */
export const BACKUP_FORMAT = "postern-controller-backup";

/** The version this code writes and the only one it reads. */
export const BACKUP_VERSION = 1;

/**
 * One entry as the file stores it. Files written since the store seam hold string key parts
 * (`["s", …]`) and JSON values only; older files may also hold the Deno KV counter
 * `["registry", "agents_rev"]` (a `u64`), which restore skips.
 */
export interface BackupEntry {
  key: EncodedKeyPart[];
  value: EncodedValue;
}

/** A backup file. */
export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  /** The Postern release that wrote it. */
  postern_version: string;
  /** When the snapshot was read (ISO 8601). */
  taken_at: string;
  /** The first part of every key in the file, sorted (what a reader can expect to find). */
  prefixes: string[];
  /** `sealed`: the CA keys are in `sealed_ca_keys`; `omitted`: the restore takes them from the configured CA. */
  ca_keys: "sealed" | "omitted";
  /** SHA-256 (hex) of `JSON.stringify(entries)`; part of the sealed block's additional data. */
  entries_sha256: string;
  entries: BackupEntry[];
  /** `{ fingerprint: PKCS#8 PEM }` of every CA, sealed; only with `ca_keys: "sealed"`. */
  sealed_ca_keys?: Sealed;
}

/** The additional data that binds the sealed CA keys to the rest of the file. */
export function sealAad(f: Pick<BackupFile, "format" | "version" | "taken_at" | "entries_sha256">): string {
  return JSON.stringify([f.format, f.version, f.taken_at, f.entries_sha256]);
}

/** SHA-256 hex of the entries as written. */
export async function entriesDigest(entries: BackupEntry[]): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(entries)));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A CA as the CA state stores it (the fields the backup touches). */
export interface StoredCaKey {
  fingerprint: string;
  keyPem: string;
}

/** The CA state without its private keys, and the keys by fingerprint. */
export function splitCaKeys(state: { cas: StoredCaKey[] }): { state: unknown; keys: Record<string, string> } {
  const keys: Record<string, string> = {};
  const cas = state.cas.map((c) => {
    keys[c.fingerprint] = c.keyPem;
    return { ...c, keyPem: "" };
  });
  return { state: { ...state, cas }, keys };
}

/** Whether two keys are equal. */
export function sameKey(a: Deno.KvKey | StoreKey, b: Deno.KvKey | StoreKey): boolean {
  return sameItems(a, b);
}
