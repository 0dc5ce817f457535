/**
 * How the etcd backend spells the Store's keys and versions: a key is `ETCD_PREFIX` followed by
 * its segments joined with `/` (readable with `etcdctl get --prefix /postern/`); a version is the
 * key's `mod_revision` zero-padded to 20 digits, so that versions compare as strings in write order.
 * @module
 */
import { Buffer } from "node:buffer";
import { assertValidKey, type StoreKey, type Version } from "./store.ts";

/** Digits of a version: an int64 revision has at most 19, so the padding never truncates. */
const VERSION_DIGITS = 20;

/** A revision as a Store version. */
export function versionOf(revision: string | number | bigint): Version {
  return String(revision).padStart(VERSION_DIGITS, "0");
}

/** The revision of a version, or null when the text is no version this backend issued. */
export function revisionOf(version: Version): string | null {
  if (!/^\d{20}$/.test(version)) return null;
  return String(BigInt(version));
}

/** Encodes and decodes the keys of one store prefix. */
export class EtcdKeys {
  readonly #prefix: string;

  /** `prefix` must end with `/` (the default `/postern/`). */
  constructor(prefix: string) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new TypeError(`ETCD_PREFIX "${prefix}" must start and end with "/" (e.g. "/postern/")`);
    }
    this.#prefix = prefix;
  }

  /** The prefix's length in bytes (what each key adds to a transaction beyond its segments). */
  get prefixBytes(): number {
    return Buffer.byteLength(this.#prefix);
  }

  /** The etcd key of a Store key; refuses empty segments and segments with `/`. */
  key(key: StoreKey): Buffer {
    return Buffer.from(this.#prefix + joinSegments(key));
  }

  /** The half-open etcd range `[start, end)` of the keys strictly under `prefix`. */
  under(prefix: StoreKey): { start: Buffer; end: Buffer } {
    const base = prefix.length === 0 ? this.#prefix : `${this.#prefix}${joinSegments(prefix)}/`;
    return { start: Buffer.from(base), end: rangeEnd(Buffer.from(base)) };
  }

  /** The Store key of an etcd key of this prefix. */
  decode(key: Buffer | Uint8Array): StoreKey {
    const text = Buffer.from(key).toString("utf8");
    if (!text.startsWith(this.#prefix)) {
      throw new Error(`etcd key "${text}" is outside the store prefix "${this.#prefix}"`);
    }
    return text.slice(this.#prefix.length).split("/");
  }
}

function joinSegments(key: StoreKey): string {
  assertValidKey(key);
  return key.join("/");
}

/** The smallest key after every key that starts with `start` (etcd's prefix range end). */
function rangeEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** The smallest key strictly after `key` in byte order. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
