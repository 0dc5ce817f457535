/**
 * The Deno KV backend of {@link Store}: the embedded default, for one controller.
 *
 * - Versions are Deno KV versionstamps (20 hex digits, which already sort in write order).
 * - Group commit (`kv_group_commit.ts`): commits that arrive while one is in flight go out together
 *   as the next transaction, one fsync for all; they never share a key, and they share one
 *   versionstamp (a key's versions still grow with each write; two keys may show the same one).
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
import { CommitQueue, KV_BATCH_LIMITS, type Pending, pending } from "./kv_group_commit.ts";

/** The limits of the Deno KV backend: one commit may fill a whole transaction. */
export const KV_LIMITS: StoreLimits = {
  maxOperationsPerCommit: KV_BATCH_LIMITS.operations,
  maxCommitBytes: KV_BATCH_LIMITS.bytes,
};

/** Deno KV's own limits that {@link KV_LIMITS} does not express. */
const KV_MAX_CHECKS = KV_BATCH_LIMITS.checks;
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

/** A member of a batch whose checks held at the pre-read, as Deno KV checks. */
interface Ready {
  member: Pending;
  checks: Deno.AtomicCheck[];
}

/**
 * The Deno KV checks of `checks` against their pre-read entries `raw`, or undefined when one of
 * them already fails. A null check on a key that is present but expired or of a dead lease checks
 * that exact stored entry: it must stay that.
 */
function kvChecks(
  checks: readonly Check[],
  raw: Deno.KvEntryMaybe<unknown>[],
  now: number,
): Deno.AtomicCheck[] | undefined {
  const out: Deno.AtomicCheck[] = [];
  for (const [i, check] of checks.entries()) {
    const stored = raw[i]!;
    const alive = stored.versionstamp !== null && unwrap(stored.value, now) !== undefined;
    if (check.version === null) {
      if (alive) return undefined;
      out.push({ key: check.key as string[], versionstamp: stored.versionstamp });
    } else {
      if (!alive || stored.versionstamp !== check.version) return undefined;
      out.push({ key: check.key as string[], versionstamp: check.version });
    }
  }
  return out;
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
  #queue = new CommitQueue((batch) => this.#flush(batch));

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
    const bytes = assertWithinLimits(this.limits, checks, mutations);
    if (checks.length > KV_MAX_CHECKS) {
      throw new StoreLimitError(
        `Commit has ${checks.length} checks, over Deno KV's limit of ${KV_MAX_CHECKS}: split it into batches`,
      );
    }
    return await new Promise((resolve, reject) =>
      this.#queue.add(pending(checks, mutations, bytes, resolve, reject))
    );
  }

  /**
   * One batch of the group commit: one pre-read of every member's checked keys, then one atomic of
   * the members whose checks held. When that atomic fails its checks (a key changed since the
   * pre-read, by a writer outside the queue) or is refused for its size, each member goes alone, so
   * that one stale member cannot fail the others; any other exception reaches every member.
   */
  async #flush(batch: Pending[]): Promise<void> {
    const now = Date.now();
    const keys = batch.flatMap((m) => m.checks.map((c) => c.key));
    const raw = keys.length === 0 ? [] : await this.#rawMany(keys);
    const ready: Ready[] = [];
    let at = 0;
    for (const member of batch) {
      const checks = kvChecks(member.checks, raw.slice(at, at += member.checks.length), now);
      if (checks) ready.push({ member, checks });
      else member.resolve({ ok: false });
    }
    if (ready.length === 0) return;
    let result: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      result = await this.#atomic(ready).commit();
    } catch (error) {
      const translated = translateKvError(error);
      if (ready.length > 1 && translated instanceof StoreLimitError) return await this.#alone(ready);
      for (const { member } of ready) member.reject(translated);
      return;
    }
    if (!result.ok && ready.length > 1) return await this.#alone(ready);
    for (const { member } of ready) this.#settle(member, result);
  }

  /** Commits each member in its own atomic, in order. */
  async #alone(ready: Ready[]): Promise<void> {
    for (const one of ready) {
      try {
        this.#settle(one.member, await this.#atomic([one]).commit());
      } catch (error) {
        one.member.reject(translateKvError(error));
      }
    }
  }

  /** One atomic operation of `ready`'s checks and mutations. */
  #atomic(ready: Ready[]): Deno.AtomicOperation {
    const atomic = this.kv.atomic();
    for (const { member, checks } of ready) {
      for (const check of checks) atomic.check(check);
      for (const m of member.mutations) {
        if (m.type === "delete") atomic.delete(m.key as string[]);
        else if (m.lease === undefined && m.expireInMs !== undefined) {
          atomic.set(m.key as string[], wrap(m), { expireIn: m.expireInMs });
        } else atomic.set(m.key as string[], wrap(m));
      }
    }
    return atomic;
  }

  /** Answers a member after its transaction: lease bookkeeping and watchers first, as one commit. */
  #settle(member: Pending, result: Deno.KvCommitResult | Deno.KvCommitError): void {
    if (!result.ok) return member.resolve({ ok: false });
    const version = result.versionstamp;
    for (const m of member.mutations) {
      if (m.type === "set" && m.lease) {
        const lease = liveLeases.get(m.lease.id);
        lease?.keys.set(m.key.join("/"), m.key);
      }
    }
    this.#publish(member.mutations.map((m) => ({
      type: m.type === "set" ? "put" : "delete",
      key: m.key,
      value: m.type === "set" ? m.value : null,
      version,
    })));
    member.resolve({ ok: true, version });
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

  /** Any number of keys, in Deno KV's getMany calls of at most 10 keys, all sent at once. */
  async #rawMany(keys: readonly StoreKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    if (keys.length === 0) return [];
    if (keys.length <= KV_GET_MANY) return await this.kv.getMany(keys as string[][]);
    const parts: Promise<Deno.KvEntryMaybe<unknown>[]>[] = [];
    for (let i = 0; i < keys.length; i += KV_GET_MANY) {
      parts.push(this.kv.getMany(keys.slice(i, i + KV_GET_MANY) as string[][]));
    }
    return (await Promise.all(parts)).flat();
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
