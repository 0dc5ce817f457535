/**
 * The one seam between the controller's state and the engine that keeps it: Deno KV (the embedded
 * default, one controller) or an etcd v3 cluster (several controllers acting as one). Registry,
 * tokens, API keys, policy, events and CA state use only this interface; `conformance.ts` is the
 * table-driven suite every backend passes, limits included.
 *
 * Keys are tuples of string segments (`["agents", "connector", "c1"]`); a segment is non-empty and
 * never contains `/` (backends may join segments with it). Values are JSON values (no bigint, no
 * Uint8Array, no undefined inside arrays).
 * @module
 */

/** A key: one or more non-empty segments without `/`. */
export type StoreKey = readonly string[];

/**
 * The version of one write, opaque to callers: every write of a key gives it a new version, and
 * versions of one store compare as strings in write order (backends zero-pad them), so "the newer
 * one wins" is `a > b`. Commits of different keys may share a version (Deno KV writes concurrent
 * commits as one transaction): compare versions of one key, never count commits by them.
 */
export type Version = string;

/** A key that exists. */
export interface Entry<T> {
  key: StoreKey;
  value: T;
  version: Version;
}

/** A key that does not exist. */
export interface Missing {
  key: StoreKey;
  value: null;
  version: null;
}

/** What {@link Store.get} answers. */
export type MaybeEntry<T> = Entry<T> | Missing;

/** Options of {@link Store.list}. */
export interface ListOptions {
  /** Newest key first (keys sort by their segments, as strings). */
  reverse?: boolean;
  /** At most this many entries. */
  limit?: number;
  /** Only keys strictly after this one in the listing's direction (paging). */
  after?: StoreKey;
  /** Only keys strictly before this one in key order (a range end). */
  before?: StoreKey;
}

/** A condition of {@link Store.commit}: the key is at this version (null: the key does not exist). */
export interface Check {
  key: StoreKey;
  version: Version | null;
}

/** A write of {@link Store.commit}. */
export type Mutation =
  | {
    type: "set";
    key: StoreKey;
    value: unknown;
    /** The key disappears about this long after the write (revocations, expired tokens). */
    expireInMs?: number;
    /** The key disappears when this lease ends (presence, ownership, migration locks). */
    lease?: Lease;
  }
  | { type: "delete"; key: StoreKey };

/** What {@link Store.commit} answers: every check held and every mutation applied, or nothing did. */
export type CommitResult = { ok: true; version: Version } | { ok: false };

/** One change seen by {@link Store.watch}. */
export interface WatchEvent {
  type: "put" | "delete";
  key: StoreKey;
  /** The new value (null for a delete). */
  value: unknown;
  version: Version;
}

/** Callbacks of {@link Store.watch}. */
export interface WatchHandler {
  /** Changes under the prefix, in commit order, from any controller sharing the store. */
  onEvents(events: WatchEvent[]): void;
  /**
   * The watch lost track (its revision was compacted, or it reconnected after an outage): the
   * holder re-reads what it caches. Called after the watch is live again.
   */
  onResync(): void;
}

/** A running watch. */
export interface Watch {
  close(): void;
}

/**
 * A lease: keys written under it disappear when it is revoked or when its holder stops keeping it
 * alive for `ttlMs` (a crashed controller). The store keeps it alive in the background until then.
 */
export interface Lease {
  readonly id: string;
  readonly ttlMs: number;
  /** Resolves when the lease is gone (revoked, or expired because keep-alives failed). */
  readonly lost: Promise<void>;
  revoke(): Promise<void>;
}

/** Size limits of one {@link Store.commit}, so callers batch below them. */
export interface StoreLimits {
  /** Checks plus mutations (etcd: --max-txn-ops, default 128; Deno KV: 1000 mutations). */
  maxOperationsPerCommit: number;
  /** Bytes of keys and values (etcd: --max-request-bytes, default 1.5 MiB; Deno KV: 800 KiB). */
  maxCommitBytes: number;
}

/** Whether the store takes writes, for `/readyz` and `doctor`. */
export interface StoreHealth {
  writable: boolean;
  /** Why not, or alarms such as etcd's NOSPACE; empty when all is well. */
  problems: string[];
}

/** The controller's state store. */
export interface Store {
  /** `kv` or `etcd`. */
  readonly kind: "kv" | "etcd";
  readonly limits: StoreLimits;
  get<T>(key: StoreKey): Promise<MaybeEntry<T>>;
  /** Several keys at once, in the order asked. */
  getMany<T>(keys: readonly StoreKey[]): Promise<MaybeEntry<T>[]>;
  /** Keys under a prefix (the prefix itself excluded), in key order. */
  list<T>(prefix: StoreKey, options?: ListOptions): AsyncIterable<Entry<T>>;
  /** All checks and mutations atomically; throws {@link StoreLimitError} above {@link limits}. */
  commit(checks: readonly Check[], mutations: readonly Mutation[]): Promise<CommitResult>;
  /** Changes under a prefix made by any controller sharing this store, from now on. */
  watch(prefix: StoreKey, handler: WatchHandler): Watch;
  grantLease(ttlMs: number): Promise<Lease>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** A commit larger than the backend takes in one transaction. */
export class StoreLimitError extends Error {
  override name = "StoreLimitError";
}

/**
 * The store cannot take writes now (etcd without quorum, a NOSPACE alarm, a full or read-only
 * disk): the caller refuses its request with this message instead of half-doing it.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/** One unconditional set, the common case. */
export async function put(store: Store, key: StoreKey, value: unknown): Promise<Version> {
  const result = await store.commit([], [{ type: "set", key, value }]);
  if (!result.ok) throw new Error(`could not write ${key.join("/")}`);
  return result.version;
}

/** Every entry under a prefix, collected. */
export async function listAll<T>(store: Store, prefix: StoreKey, options?: ListOptions): Promise<Entry<T>[]> {
  const out: Entry<T>[] = [];
  for await (const e of store.list<T>(prefix, options)) out.push(e);
  return out;
}

/**
 * Refuses a key the store cannot keep: no segments, an empty segment, or a segment with `/`
 * (backends may join segments with it).
 */
export function assertValidKey(key: StoreKey): void {
  if (key.length === 0) throw new TypeError("Store key has no segments");
  for (const segment of key) {
    if (typeof segment !== "string" || segment === "") {
      throw new TypeError(`Store key "${key.join("/")}" has an empty or non-string segment`);
    }
    if (segment.includes("/")) {
      throw new TypeError(`Store key segment "${segment}" contains "/"`);
    }
  }
}

const utf8 = new TextEncoder();

/** The bytes one key counts for in {@link commitSize}: each segment's UTF-8 plus one separator. */
export function keySize(key: StoreKey): number {
  let n = 0;
  for (const segment of key) n += utf8.encode(segment).length + 1;
  return n;
}

/**
 * The size of one commit as {@link StoreLimits.maxCommitBytes} counts it, the same for every
 * backend: the keys of checks and mutations ({@link keySize}) plus each set value as UTF-8 JSON.
 * Backends set their limit below what their engine takes, leaving room for their own encoding.
 */
export function commitSize(checks: readonly Check[], mutations: readonly Mutation[]): number {
  let n = 0;
  for (const c of checks) n += keySize(c.key);
  for (const m of mutations) {
    n += keySize(m.key);
    if (m.type === "set") n += utf8.encode(JSON.stringify(m.value) ?? "null").length;
  }
  return n;
}

/**
 * Throws {@link StoreLimitError} when a commit is over `limits` (operations are checks plus
 * mutations), so every backend refuses the same commits with the same words; answers the commit's
 * {@link commitSize} otherwise.
 */
export function assertWithinLimits(
  limits: StoreLimits,
  checks: readonly Check[],
  mutations: readonly Mutation[],
): number {
  const ops = checks.length + mutations.length;
  if (ops > limits.maxOperationsPerCommit) {
    throw new StoreLimitError(
      `Commit has ${ops} operations, over the store's limit of ${limits.maxOperationsPerCommit}: split it into batches`,
    );
  }
  const bytes = commitSize(checks, mutations);
  if (bytes > limits.maxCommitBytes) {
    throw new StoreLimitError(
      `Commit has ${bytes} bytes, over the store's limit of ${limits.maxCommitBytes}: split it into batches`,
    );
  }
  return bytes;
}
