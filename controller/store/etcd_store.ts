/**
 * The etcd v3 backend of {@link Store}: several controllers share one state through it.
 *
 * - Keys: `ETCD_PREFIX` + segments joined with `/`; versions: `mod_revision` padded to 20 digits.
 * - A commit is one etcd transaction (a missing-key check compares `create_revision` with 0);
 *   limits are checked before anything is sent (128 operations, about 1.5 MiB).
 * - `expireInMs` uses leases shared by all keys of one expiry bucket (`etcd_store_expiry.ts`).
 * - Every request has a deadline; a request that fails for lack of quorum, an unreachable cluster
 *   or a NOSPACE alarm throws {@link StoreUnavailableError}, never hangs.
 * - `health()` reads the cluster's alarms and makes one quorum read.
 * @module
 */
import { Buffer } from "node:buffer";
import {
  AlarmAction,
  AlarmType,
  CompareResult,
  CompareTarget,
  Etcd3,
  EtcdLeaseInvalidError,
  GRPCUnavailableError,
  type ICompare,
  type IKeyValue,
  type IOptions,
  type IRequestOp,
  type IResponseHeader,
  type Lease as EtcdLease,
  SortOrder,
  SortTarget,
} from "etcd3";
import { installHttp2Repairs } from "../../shared/repairs/mod.ts";
import { outageMessage, outageOf, StoreDeadlineError, translate } from "./etcd_store_errors.ts";
import { ExpiryLeases } from "./etcd_store_expiry.ts";
import { EtcdKeys, keyAfter, revisionOf, versionOf } from "./etcd_store_keys.ts";
import { checkMembersByIp } from "./etcd_store_tls.ts";
import { startWatch } from "./etcd_store_watch.ts";
import {
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
  type StoreLimits,
  StoreUnavailableError,
  type Watch,
  type WatchHandler,
} from "./store.ts";

/** TLS material for `etcds://` endpoints (PEM bytes). */
export interface EtcdTls {
  ca: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
}

/** Options of {@link openEtcdStore}. */
export interface EtcdStoreOptions {
  /** `host:port` of each member. */
  endpoints: string[];
  /** The key prefix (`ETCD_PREFIX`, default `/postern/`); ends with `/`. */
  prefix?: string;
  /** Client TLS (`etcds://`); plain HTTP/2 without it. */
  tls?: EtcdTls;
  /** Deadline of one request (default 3000 ms); a request never takes more than twice this. */
  requestTimeoutMs?: number;
  /** Lower limits than etcd's defaults, for a cluster started with smaller ones. */
  limits?: Partial<StoreLimits>;
  /** Where the store reports background errors (default: console.error). */
  log?: (message: string, error: unknown) => void;
}

/** etcd's `--max-txn-ops` default. */
const MAX_TXN_OPS = 128;
/** etcd's `--max-request-bytes` default (1.5 MiB). */
const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** Room per operation for what `commitSize()` does not count: protobuf framing, lease ids. */
const OP_FRAMING_BYTES = 32;
/** Keys fetched per range request while listing. */
const LIST_PAGE = 256;
/** How long reads go straight to a member's own copy after a quorum read failed. */
const STALE_READS_FOR_MS = 2_000;
/** The key of the quorum read of `health()` (under the prefix; need not exist). */
const HEALTH_KEY = ["_health"];

/** Connects to an etcd cluster; the first request shows whether it is reachable. */
export function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  return Promise.resolve(new EtcdStore(options));
}

/** The etcd backend of {@link Store}. */
export class EtcdStore implements Store {
  readonly kind = "etcd" as const;
  readonly limits: StoreLimits;
  readonly #client: Etcd3;
  readonly #keys: EtcdKeys;
  readonly #endpoints: string[];
  readonly #timeoutMs: number;
  readonly #expiry: ExpiryLeases;
  readonly #watches = new Set<Watch>();
  readonly #leases = new Set<EtcdLease>();
  readonly #log: (message: string, error: unknown) => void;
  #revision = 0n;
  /** Until when reads skip the quorum read (after one failed for lack of quorum). */
  #quorumLostUntil = 0;
  #closed = false;

  constructor(options: EtcdStoreOptions) {
    if (options.endpoints.length === 0) throw new TypeError("etcd store needs at least one endpoint");
    installHttp2Repairs(); // etcd3 speaks HTTP/2 through the same grpc-js (shared/repairs/README.md)
    this.#endpoints = [...options.endpoints];
    this.#keys = new EtcdKeys(options.prefix ?? "/postern/");
    this.#timeoutMs = options.requestTimeoutMs ?? 3_000;
    this.#log = options.log ?? ((m, e) => console.error(`${m}: ${e instanceof Error ? e.message : e}`));
    this.limits = {
      maxOperationsPerCommit: options.limits?.maxOperationsPerCommit ?? MAX_TXN_OPS,
      // commitSize() counts segments; etcd also gets the prefix and the framing of each operation.
      maxCommitBytes: options.limits?.maxCommitBytes ??
        MAX_REQUEST_BYTES - MAX_TXN_OPS * (this.#keys.prefixBytes + OP_FRAMING_BYTES) - 4_096,
    };
    const scheme = options.tls ? "https" : "http";
    const timeoutMs = this.#timeoutMs;
    const hosts = this.#endpoints.map((e) => `${scheme}://${e}`);
    const etcdOptions: IOptions = {
      hosts,
      dialTimeout: timeoutMs,
      // grpc-js backs off reconnects up to 120 s by default: a member back after an outage would
      // wait that long for this controller (and its watches). Retry at most every 2 s instead.
      grpcOptions: { "grpc.initial_reconnect_backoff_ms": 200, "grpc.max_reconnect_backoff_ms": 2_000 },
      defaultCallOptions: (context) => context.isStream ? {} : { deadline: Date.now() + timeoutMs },
      faultHandling: {
        // No circuit breaker: a member that comes back is used at once.
        host: () => passThrough,
        global: retryOtherMembers(hosts.length, timeoutMs),
      } as unknown as NonNullable<IOptions["faultHandling"]>,
    };
    if (options.tls) {
      etcdOptions.credentials = {
        rootCertificate: Buffer.from(options.tls.ca),
        ...(options.tls.cert ? { certChain: Buffer.from(options.tls.cert) } : {}),
        ...(options.tls.key ? { privateKey: Buffer.from(options.tls.key) } : {}),
      };
    }
    this.#client = new Etcd3(etcdOptions);
    if (options.tls) checkMembersByIp(this.#client, options.tls);
    this.#expiry = new ExpiryLeases((ttl) => this.#grantExpiryLease(ttl));
  }

  async get<T>(key: StoreKey): Promise<MaybeEntry<T>> {
    const [entry] = await this.getMany<T>([key]);
    return entry!;
  }

  async getMany<T>(keys: readonly StoreKey[]): Promise<MaybeEntry<T>[]> {
    const encoded = keys.map((k) => this.#keys.key(k));
    const out: MaybeEntry<T>[] = [];
    for (let i = 0; i < encoded.length; i += MAX_TXN_OPS) {
      const chunk = encoded.slice(i, i + MAX_TXN_OPS);
      const res = await this.#read((serializable) =>
        this.#client.kv.txn({ success: chunk.map((key) => ({ request_range: { key, serializable } })) })
      );
      this.#saw(res.header);
      res.responses.forEach((r, j) => {
        const kv = r.response_range.kvs[0];
        const key = keys[i + j]!;
        out.push(kv ? this.#entry<T>(kv, key) : { key, value: null, version: null });
      });
    }
    return out;
  }

  async *list<T>(prefix: StoreKey, options: ListOptions = {}): AsyncIterable<Entry<T>> {
    const range = this.#keys.under(prefix);
    let start = range.start;
    let end = range.end;
    if (options.before) end = min(end, this.#keys.key(options.before));
    if (options.after) {
      const after = this.#keys.key(options.after);
      if (options.reverse) end = min(end, after);
      else start = max(start, keyAfter(after));
    }
    let left = options.limit ?? Infinity;
    let revision: string | undefined;
    while (left > 0 && Buffer.compare(start, end) < 0) {
      const page = Math.min(LIST_PAGE, left);
      const res = await this.#read((serializable) =>
        this.#client.kv.range({
          serializable,
          key: start,
          range_end: end,
          limit: page,
          sort_target: SortTarget.Key,
          sort_order: options.reverse ? SortOrder.Descend : SortOrder.Ascend,
          ...(revision ? { revision } : {}),
        })
      );
      this.#saw(res.header);
      revision ??= res.header.revision; // every page from one snapshot
      for (const kv of res.kvs) {
        yield this.#entry<T>(kv, this.#keys.decode(kv.key));
        left--;
      }
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) break;
      if (options.reverse) end = last.key;
      else start = keyAfter(last.key);
    }
  }

  async commit(checks: readonly Check[], mutations: readonly Mutation[]): Promise<CommitResult> {
    const writes = lastWritePerKey(mutations);
    assertWithinLimits(this.limits, checks, writes);
    const compare: ICompare[] = [];
    for (const c of checks) {
      const key = this.#keys.key(c.key);
      if (c.version === null) {
        compare.push({ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 });
        continue;
      }
      const revision = revisionOf(c.version);
      if (revision === null) return { ok: false }; // no version of this store: the check cannot hold
      compare.push({ key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: revision });
    }
    for (let attempt = 1;; attempt++) {
      const success = await this.#ops(writes);
      try {
        const res = await this.#call(() => this.#client.kv.txn({ compare, success }));
        this.#saw(res.header);
        return res.succeeded ? { ok: true, version: versionOf(res.header.revision) } : { ok: false };
      } catch (e) {
        // An expiry lease ended between grant and write: grant a fresh one, once.
        if (e instanceof EtcdLeaseInvalidError && attempt === 1 && writes.some(hasExpiry)) {
          for (const op of success) {
            const lease = op.request_put?.lease;
            if (lease !== undefined) this.#expiry.forget(String(lease));
          }
          continue;
        }
        throw e;
      }
    }
  }

  watch(prefix: StoreKey, handler: WatchHandler): Watch {
    const { start, end } = this.#keys.under(prefix);
    const inner = startWatch(
      {
        client: this.#client,
        keys: this.#keys,
        lastRevision: () => this.#revision,
        onError: this.#log,
      },
      start,
      end,
      handler,
    );
    const watch: Watch = {
      close: () => {
        this.#watches.delete(watch);
        inner.close();
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    if (!(ttlMs >= 1_000)) throw new RangeError(`lease TTL must be at least 1000 ms: got ${ttlMs}`);
    const lease = this.#client.lease(Math.ceil(ttlMs / 1_000));
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const end = () => {
      if (gone) return;
      gone = true;
      clearTimeout(timer);
      this.#leases.delete(lease);
      lease.release();
      markLost();
    };
    // Lost when etcd says so, or when no keep-alive succeeded for a whole TTL (etcd has let it go).
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(end, ttlMs);
    };
    lease.on("lost", end);
    lease.on("keepaliveSucceeded", arm);
    this.#leases.add(lease);
    let id: string;
    try {
      id = String(await this.#call(() => lease.grant()));
    } catch (e) {
      end();
      throw e;
    }
    arm();
    return {
      id,
      ttlMs,
      lost,
      revoke: async () => {
        try {
          await this.#call(() => lease.revoke());
        } finally {
          end();
        }
      },
    };
  }

  async health(): Promise<StoreHealth> {
    const problems: string[] = [];
    try {
      const alarms = await this.#call(() => this.#client.maintenance.alarm({ action: AlarmAction.Get }));
      for (const a of alarms.alarms) {
        const type = typeof a.alarm === "number" ? AlarmType[a.alarm] : a.alarm;
        if (type === "Nospace" || type === "NOSPACE") {
          problems.push(outageMessage("nospace", this.#endpoints, `alarm on member ${a.memberID}`));
        } else if (type !== "None") {
          problems.push(`etcd alarm ${type} on member ${a.memberID}: see etcdctl alarm list`);
        }
      }
      await this.#call(() => this.#client.kv.range({ key: this.#keys.key(HEALTH_KEY) }));
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
    return { writable: problems.length === 0, problems };
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const w of [...this.#watches]) w.close();
    for (const l of this.#leases) l.release();
    this.#client.close();
    return Promise.resolve();
  }

  /**
   * A read: linearizable (it sees every commit before it) while etcd has quorum; without quorum it
   * falls back to the member's own copy, which may be stale (admin reads keep working; every write
   * still needs quorum and checks versions, so a stale read never leads to a wrong write).
   */
  async #read<T>(fn: (serializable: boolean) => Promise<T>): Promise<T> {
    // Right after a quorum failure, reads go to the member's copy at once instead of waiting for
    // another deadline each; one linearizable read is tried again once the pause is over.
    if (Date.now() < this.#quorumLostUntil) {
      try {
        return await this.#call(() => fn(true));
      } catch { /* the member is gone too: try a quorum read, which says why */ }
    }
    try {
      return await this.#call(() => fn(false));
    } catch (e) {
      if (!(e instanceof StoreUnavailableError) || outageOf(e.cause) !== "quorum") throw e;
      this.#quorumLostUntil = Date.now() + STALE_READS_FOR_MS;
      return await this.#call(() => fn(true)).catch(() => Promise.reject(e));
    }
  }

  /** One request under the store's deadline, its outage errors as StoreUnavailableError. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = this.#timeoutMs * 2;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreDeadlineError(`no answer from etcd within ${bound} ms`)),
        bound,
      );
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (e) {
      throw translate(e, this.#endpoints);
    } finally {
      clearTimeout(timer);
    }
  }

  #saw(header: IResponseHeader): void {
    const r = BigInt(header.revision);
    if (r > this.#revision) this.#revision = r;
  }

  #entry<T>(kv: IKeyValue, key: StoreKey): Entry<T> {
    return { key, value: JSON.parse(kv.value.toString("utf8")) as T, version: versionOf(kv.mod_revision) };
  }

  async #ops(writes: readonly Mutation[]): Promise<IRequestOp[]> {
    return await Promise.all(writes.map(async (m): Promise<IRequestOp> => {
      const key = this.#keys.key(m.key);
      if (m.type === "delete") return { request_delete_range: { key } };
      const value = Buffer.from(encodeValue(m.value));
      const lease = m.lease
        ? m.lease.id
        : m.expireInMs !== undefined
        ? await this.#expiry.leaseFor(m.expireInMs)
        : undefined;
      return { request_put: { key, value, ...(lease !== undefined ? { lease } : {}) } };
    }));
  }

  async #grantExpiryLease(ttlSeconds: number): Promise<string> {
    const res = await this.#call(() => this.#client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    return String(res.ID);
  }

  /** Whether an error stands for an etcd outage (for callers that log or map it). */
  static isOutage(error: unknown): boolean {
    return outageOf(error) !== null;
  }
}

function encodeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("a store value must be JSON: got undefined");
  return text;
}

function hasExpiry(m: Mutation): boolean {
  return m.type === "set" && m.expireInMs !== undefined;
}

/** etcd refuses a transaction that writes one key twice: the last write of each key wins. */
function lastWritePerKey(mutations: readonly Mutation[]): Mutation[] {
  const byKey = new Map<string, Mutation>();
  for (const m of mutations) {
    const id = JSON.stringify(m.key);
    byKey.delete(id);
    byKey.set(id, m);
  }
  return [...byKey.values()];
}

function min(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) <= 0 ? a : b;
}

function max(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) >= 0 ? a : b;
}

/** A cockatiel-shaped policy that runs the call once (a throw becomes a rejection, as etcd3 expects). */
const passThrough = {
  async execute<T>(fn: (context: { attempt: number; signal: AbortSignal }) => Promise<T>): Promise<T> {
    return await fn({ attempt: 1, signal: new AbortController().signal });
  },
};

/**
 * A cockatiel-shaped policy that tries another member when one is unreachable (the etcd3 client
 * picks members in a shuffled order), at most once per member and within the deadline. Only
 * UNAVAILABLE is retried: a request that timed out may have been applied, and a transaction sent
 * twice could answer "check failed" for its own first write.
 */
function retryOtherMembers(members: number, timeoutMs: number) {
  return {
    async execute<T>(fn: (context: { attempt: number; signal: AbortSignal }) => Promise<T>): Promise<T> {
      const started = Date.now();
      for (let attempt = 1;; attempt++) {
        try {
          return await fn({ attempt, signal: new AbortController().signal });
        } catch (e) {
          const retry = e instanceof GRPCUnavailableError && attempt < members &&
            Date.now() - started < timeoutMs;
          if (!retry) throw e;
        }
      }
    },
  };
}
