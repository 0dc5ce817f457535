/**
 * The Deno KV backend of {@link Store}: the embedded default, for one controller.
 *
 * - Versions are Deno KV versionstamps (20 hex digits, which already sort in write order).
 * - `watch` is an in-process bus fed by this instance's own commits. Deno KV's own `watch()` does
 *   not see other processes' writes to a local file (deno#21640), so several controllers on one
 *   KV file are not supported: they need the etcd backend.
 * - Expiring keys: Deno KV deletes expired keys lazily (minutes later), so a key set with
 *   `expireInMs` is stored in an envelope with its deadline and reads treat it as gone at once;
 *   Deno's own `expireIn` removes it from the file later.
 * - Leases are emulated in-process: a key set under a lease is stored in an envelope naming the
 *   lease and is visible while that lease is alive in this process; revoke deletes the keys, and
 *   the keys of a process that died are invisible to the next one (one controller per KV file:
 *   no other process can be keeping them alive), then overwritten or deleted by later writes.
 *   A KV lease never expires on its own while its process lives.
 * - Limits: 1000 operations and 768 KiB per commit by {@link commitSize}, below Deno's 1000
 *   mutations and 800 KiB to leave room for its encoding; Deno's own 100 checks and 64 KiB per
 *   value are refused as {@link StoreLimitError} too. Watch events are not sent for expiry.
 * @module
 */
import {
  assertValidKey,
  assertWithinLimits,
  type Check,
  type CommitResult,
  type Entry,
  type Lease,
  type ListOptions,
  type MaybeEntry,
  type Mutation,
  type Store,
  type StoreHealth,
  type StoreKey,
  StoreLimitError,
  type StoreLimits,
  StoreUnavailableError,
  type Watch,
  type WatchEvent,
  type WatchHandler,
} from "./store.ts";

/** The limits of the Deno KV backend. */
export const KV_LIMITS: StoreLimits = { maxOperationsPerCommit: 1000, maxCommitBytes: 768 * 1024 };

/** Deno KV's own limits that {@link KV_LIMITS} does not express. */
const KV_MAX_CHECKS = 100;
const KV_GET_MANY = 10;

/** The key `health()` deletes (it never exists) to go through Deno KV's write path. */
const HEALTH_KEY: StoreKey = ["meta", "health"];

/** Leases alive in this process, by id (shared by every KvStore of the process). */
const liveLeases = new Map<string, KvLease>();

/** The envelope of a value that expires or lives under a lease; a caller's JSON value is never a Map. */
type Envelope = Map<"value" | "expiresAt" | "lease", unknown>;

function wrap(m: Extract<Mutation, { type: "set" }>): unknown {
  if (m.lease) return new Map<string, unknown>([["value", m.value], ["lease", m.lease.id]]);
  if (m.expireInMs !== undefined) {
    return new Map<string, unknown>([["value", m.value], ["expiresAt", Date.now() + m.expireInMs]]);
  }
  return m.value;
}

/** The value of a stored entry, or undefined when it expired or its lease is gone. */
function unwrap(raw: unknown, now: number): { value: unknown } | undefined {
  if (!(raw instanceof Map)) return { value: raw };
  const envelope = raw as Envelope;
  const lease = envelope.get("lease");
  if (typeof lease === "string" && !liveLeases.has(lease)) return undefined;
  const expiresAt = envelope.get("expiresAt");
  if (typeof expiresAt === "number" && expiresAt <= now) return undefined;
  return { value: envelope.get("value") ?? null };
}

function leaseOf(raw: unknown): string | undefined {
  if (!(raw instanceof Map)) return undefined;
  const lease = (raw as Envelope).get("lease");
  return typeof lease === "string" ? lease : undefined;
}

function toStoreKey(key: Deno.KvKey): StoreKey | undefined {
  return key.every((part) => typeof part === "string") ? key as string[] : undefined;
}

const utf8 = new TextEncoder();

/** Tuple order of keys: segment by segment, each by UTF-8 bytes, a shorter prefix first. */
export function compareKeys(a: StoreKey, b: StoreKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const x = utf8.encode(a[i]!), y = utf8.encode(b[i]!);
    for (let j = 0; j < Math.min(x.length, y.length); j++) {
      if (x[j] !== y[j]) return x[j]! - y[j]!;
    }
    return x.length - y.length;
  }
  return a.length - b.length;
}

function isUnder(key: StoreKey, prefix: StoreKey): boolean {
  return key.length > prefix.length && prefix.every((segment, i) => key[i] === segment);
}

/** Where a bound lies against the keys under `prefix`: inside, before all of them, or after. */
function place(bound: StoreKey, prefix: StoreKey): "inside" | "before" | "after" {
  if (isUnder(bound, prefix)) return "inside";
  return compareKeys(bound, prefix) <= 0 ? "before" : "after";
}

/** Deno KV refuses a commit over its own limits with a TypeError; one place translates them. */
function translateKvError(error: unknown): unknown {
  if (error instanceof TypeError && /too (large|many)/i.test(error.message)) {
    return new StoreLimitError(`Deno KV refused the commit: ${error.message}`);
  }
  // SQLite's own words (Deno KV gives no error codes): a full, read-only or failing disk.
  if (
    error instanceof Error && /disk is full|readonly database|read-only|disk I\/O error/i.test(error.message)
  ) {
    return new StoreUnavailableError(notWritable(error.message), { cause: error });
  }
  return error;
}

/** What the operator reads when Deno KV refuses writes for its disk. */
function notWritable(why: string): string {
  return `Deno KV does not take writes: ${why}: free space on the disk of CONTROLLER_STATE_DIR or make it writable`;
}

class KvLease implements Lease {
  readonly id = crypto.randomUUID();
  readonly lost: Promise<void>;
  /** Keys written under this lease, by their joined form. */
  readonly keys = new Map<string, StoreKey>();
  #resolve!: () => void;

  constructor(readonly ttlMs: number, private readonly store: KvStore) {
    this.lost = new Promise((resolve) => this.#resolve = resolve);
  }

  /** Ends the lease without deleting its keys (they become invisible). */
  end(): void {
    liveLeases.delete(this.id);
    this.store.leases.delete(this);
    this.#resolve();
  }

  async revoke(): Promise<void> {
    if (!liveLeases.has(this.id)) return;
    this.end();
    await this.store.deleteLeaseKeys(this);
  }
}

interface Subscriber {
  prefix: StoreKey;
  handler: WatchHandler;
}

/** The Deno KV {@link Store}. Open it with {@link openKvStore} or wrap an open Deno.Kv. */
export class KvStore implements Store {
  readonly kind = "kv" as const;
  readonly limits: StoreLimits = KV_LIMITS;
  /** Leases granted by this instance and still alive. */
  readonly leases = new Set<KvLease>();
  #subscribers = new Set<Subscriber>();
  #closed = false;

  constructor(private readonly kv: Deno.Kv) {}

  async get<T>(key: StoreKey): Promise<MaybeEntry<T>> {
    assertValidKey(key);
    return this.#entry<T>(key, await this.kv.get(key as string[]), Date.now());
  }

  async getMany<T>(keys: readonly StoreKey[]): Promise<MaybeEntry<T>[]> {
    keys.forEach(assertValidKey);
    const raw = await this.#rawMany(keys);
    const now = Date.now();
    return raw.map((r, i) => this.#entry<T>(keys[i]!, r, now));
  }

  async *list<T>(prefix: StoreKey, options: ListOptions = {}): AsyncIterable<Entry<T>> {
    if (prefix.length > 0) assertValidKey(prefix);
    if (options.after) assertValidKey(options.after);
    if (options.before) assertValidKey(options.before);
    const reverse = options.reverse ?? false;
    let lower: StoreKey | undefined = reverse ? undefined : options.after;
    const uppers = [options.before, reverse ? options.after : undefined].filter((k): k is StoreKey => !!k);
    let upper: StoreKey | undefined;
    for (const bound of uppers) {
      const where = place(bound, prefix);
      if (where === "before") return;
      if (where === "inside" && (!upper || compareKeys(bound, upper) < 0)) upper = bound;
    }
    if (lower) {
      const where = place(lower, prefix);
      if (where === "after") return;
      if (where === "before") lower = undefined;
    }
    const p = prefix as string[];
    const selector: Deno.KvListSelector = lower && upper
      ? { start: lower as string[], end: upper as string[] }
      : lower
      ? { prefix: p, start: lower as string[] }
      : upper
      ? { prefix: p, end: upper as string[] }
      : { prefix: p };
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return;
    let count = 0;
    const now = Date.now();
    const iterator = this.kv.list(selector, { reverse, batchSize: Math.min(500, Math.max(10, limit)) });
    for await (const raw of iterator) {
      const key = toStoreKey(raw.key);
      if (!key || !isUnder(key, prefix)) continue;
      if (lower && compareKeys(key, lower) === 0) continue;
      const value = unwrap(raw.value, now);
      if (!value) continue;
      yield { key, value: value.value as T, version: raw.versionstamp };
      if (++count >= limit) return;
    }
  }

  async commit(checks: readonly Check[], mutations: readonly Mutation[]): Promise<CommitResult> {
    checks.forEach((c) => assertValidKey(c.key));
    mutations.forEach((m) => assertValidKey(m.key));
    assertWithinLimits(this.limits, checks, mutations);
    if (checks.length > KV_MAX_CHECKS) {
      throw new StoreLimitError(
        `Commit has ${checks.length} checks, over Deno KV's limit of ${KV_MAX_CHECKS}: split it into batches`,
      );
    }
    const atomic = this.kv.atomic();
    const now = Date.now();
    const raw = await this.#rawMany(checks.map((c) => c.key));
    for (const [i, check] of checks.entries()) {
      const stored = raw[i]!;
      const alive = stored.versionstamp !== null && unwrap(stored.value, now) !== undefined;
      if (check.version === null) {
        if (alive) return { ok: false };
        // Missing, or present but expired or of a dead lease: it must stay exactly that.
        atomic.check({ key: check.key as string[], versionstamp: stored.versionstamp });
      } else {
        if (!alive || stored.versionstamp !== check.version) return { ok: false };
        atomic.check({ key: check.key as string[], versionstamp: check.version });
      }
    }
    for (const m of mutations) {
      if (m.type === "delete") atomic.delete(m.key as string[]);
      else if (m.lease === undefined && m.expireInMs !== undefined) {
        atomic.set(m.key as string[], wrap(m), { expireIn: m.expireInMs });
      } else atomic.set(m.key as string[], wrap(m));
    }
    let result: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      result = await atomic.commit();
    } catch (error) {
      throw translateKvError(error);
    }
    if (!result.ok) return { ok: false };
    const version = result.versionstamp;
    for (const m of mutations) {
      if (m.type === "set" && m.lease) {
        const lease = liveLeases.get(m.lease.id);
        lease?.keys.set(m.key.join("/"), m.key);
      }
    }
    this.#publish(mutations.map((m) => ({
      type: m.type === "set" ? "put" : "delete",
      key: m.key,
      value: m.type === "set" ? m.value : null,
      version,
    })));
    return { ok: true, version };
  }

  watch(prefix: StoreKey, handler: WatchHandler): Watch {
    const subscriber = { prefix, handler };
    this.#subscribers.add(subscriber);
    return { close: () => this.#subscribers.delete(subscriber) };
  }

  grantLease(ttlMs: number): Promise<Lease> {
    if (!(ttlMs > 0)) throw new RangeError(`Lease TTL "${ttlMs}" must be a positive number of milliseconds`);
    const lease = new KvLease(ttlMs, this);
    liveLeases.set(lease.id, lease);
    this.leases.add(lease);
    return Promise.resolve(lease);
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.kv.atomic().delete(HEALTH_KEY as string[]).commit();
      return { writable: true, problems: [] };
    } catch (error) {
      return { writable: false, problems: [notWritable((error as Error).message)] };
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const lease of [...this.leases]) lease.end();
    this.#subscribers.clear();
    this.kv.close();
    return Promise.resolve();
  }

  /** Deletes the keys still written under an ended lease (a key rewritten since stays). */
  async deleteLeaseKeys(lease: KvLease): Promise<void> {
    if (this.#closed) return;
    const keys = [...lease.keys.values()];
    lease.keys.clear();
    const raw = await this.#rawMany(keys);
    const events: WatchEvent[] = [];
    for (const [i, stored] of raw.entries()) {
      if (stored.versionstamp === null || leaseOf(stored.value) !== lease.id) continue;
      const key = keys[i]!;
      const result = await this.kv.atomic().check(stored).delete(key as string[]).commit();
      if (result.ok) events.push({ type: "delete", key, value: null, version: result.versionstamp });
    }
    this.#publish(events);
  }

  #entry<T>(key: StoreKey, raw: Deno.KvEntryMaybe<unknown>, now: number): MaybeEntry<T> {
    const value = raw.versionstamp === null ? undefined : unwrap(raw.value, now);
    if (!value) return { key, value: null, version: null };
    return { key, value: value.value as T, version: raw.versionstamp! };
  }

  async #rawMany(keys: readonly StoreKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    const out: Deno.KvEntryMaybe<unknown>[] = [];
    for (let i = 0; i < keys.length; i += KV_GET_MANY) {
      out.push(...await this.kv.getMany(keys.slice(i, i + KV_GET_MANY) as string[][]));
    }
    return out;
  }

  #publish(events: WatchEvent[]): void {
    if (events.length === 0) return;
    for (const { prefix, handler } of [...this.#subscribers]) {
      const mine = events.filter((e) => isUnder(e.key, prefix));
      if (mine.length === 0) continue;
      try {
        handler.onEvents(mine);
      } catch (error) {
        console.error(`store watch handler of "${prefix.join("/")}" failed: ${error}`);
      }
    }
  }
}

/** Opens a Deno KV file (or `:memory:`) as a {@link Store}. */
export async function openKvStore(path: string): Promise<KvStore> {
  return new KvStore(await Deno.openKv(path));
}
