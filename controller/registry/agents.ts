/**
 * Enrolled agents in the store under ["agents", role, id]; enrollment consumes a token atomically.
 * @module
 */
import type { Entry, MaybeEntry, Mutation, Store, Version, Watch } from "../store/store.ts";
import { revocationsOf, revokedMutations } from "./revoked.ts";
import {
  type AgentRecord,
  type AgentRole,
  type IssuedCertificate,
  liveCertificates,
  MAX_LIVE_CERTIFICATES,
  type RevokedCertificateRecord,
  type TokenRecord,
} from "./types.ts";

/**
 * Records per commit in {@link AgentStore.updateMany}: one check and one set each (an agent record
 * is well under 4 KiB); fewer when the store's {@link Store.limits} allow fewer operations.
 */
export const UPDATE_BATCH = 50;

/** How long {@link AgentStore.listCached} may serve a listing before re-reading the store; default 30 s. */
export const DEFAULT_LIST_MAX_AGE_MS = 30_000;

/** The store prefix of agent records. */
export const AGENTS_PREFIX = ["agents"] as const;

/** Why an atomic enrollment did not commit. */
export type EnrollConflict = "token" | "exists";

/** What {@link AgentStore.enroll} did. */
export type EnrollResult =
  | {
    ok: true; /** certificates of a previous enrollment of the id, revoked now */
    superseded: RevokedCertificateRecord[];
  }
  | { ok: false; conflict: EnrollConflict };

/** What {@link AgentStore.renewed} did. */
export type RenewedResult =
  | { ok: true; /** live certificates beyond the cap, revoked now */ revoked: RevokedCertificateRecord[] }
  | { ok: false; /** revoked, unknown, or the presented certificate is no longer live */ reason: "revoked" };

/** What {@link AgentStore.revoke} did. */
export interface Revoked {
  record: AgentRecord;
  /** Its live certificates, now on the revoked list. */
  revoked: RevokedCertificateRecord[];
}

/** One change of {@link AgentStore.updateMany}. */
export interface RecordChange {
  role: AgentRole;
  id: string;
  change: (r: AgentRecord) => AgentRecord;
}

interface CachedRole {
  /** id -> record (null: deleted) and the version it was read or written at (the newer one wins). */
  records: Map<string, { value: AgentRecord | null; version: Version }>;
  loadedAt: number;
  loading?: Promise<void> | undefined;
}

/**
 * Agent records. The store is the truth; listings may also be served from an in-memory copy
 * ({@link listCached}) that every write made through this store updates at once, and that a
 * watch on ["agents"] keeps current with the writes of every controller sharing the store
 * (enrollments, renewals, revocations, last_seen). The copy is read again when the watch
 * resyncs, or when it is older than `listMaxAgeMs` (a bound in case a watch event was missed).
 */
export class AgentStore {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #listMaxAgeMs: number;
  readonly #cache = new Map<AgentRole, CachedRole>();
  #watch: Watch | undefined;

  constructor(store: Store, now: () => number = Date.now, listMaxAgeMs = DEFAULT_LIST_MAX_AGE_MS) {
    this.#store = store;
    this.#now = now;
    this.#listMaxAgeMs = listMaxAgeMs;
  }

  /** Stops the watch that keeps the listing cache current. */
  close(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }

  /** Write-through into the listing cache: the entry with the newer version wins. */
  #remember(role: AgentRole, id: string, value: AgentRecord | null, version: Version): void {
    const c = this.#cache.get(role);
    if (!c) return;
    const cur = c.records.get(id);
    if (!cur || cur.version < version) c.records.set(id, { value, version });
  }

  #startWatch(): void {
    if (this.#watch) return;
    this.#watch = this.#store.watch(AGENTS_PREFIX, {
      onEvents: (events) => {
        for (const e of events) {
          const [, role, id] = e.key;
          if (e.key.length !== 3 || (role !== "connector" && role !== "tunneler") || !id) continue;
          this.#remember(role, id, e.type === "put" ? e.value as AgentRecord : null, e.version);
        }
      },
      onResync: () => {
        for (const c of this.#cache.values()) c.loadedAt = -Infinity;
      },
    });
  }

  /**
   * All agents of a role (revoked ones included), from memory, which the store's watch keeps
   * current; read from the store the first time and after a watch resync (the listing waits for
   * it), and again when the copy is older than `listMaxAgeMs` (the listing is served from the copy
   * meanwhile: re-reading 10,000 records takes about 200 ms, which every listing due then would
   * otherwise wait for).
   */
  async listCached(role: AgentRole): Promise<AgentRecord[]> {
    this.#startWatch();
    let c = this.#cache.get(role);
    if (!c) this.#cache.set(role, c = { records: new Map(), loadedAt: -Infinity });
    if (this.#now() - c.loadedAt >= this.#listMaxAgeMs) {
      const cached = c;
      cached.loading ??= (async () => {
        const startedAt = this.#now();
        for await (const e of this.#store.list<AgentRecord>([...AGENTS_PREFIX, role])) {
          this.#remember(role, e.key[2]!, e.value, e.version);
        }
        cached.loadedAt = startedAt;
      })().finally(() => (cached.loading = undefined));
      // Never read, or the watch resynced: there is no current copy to serve.
      if (cached.loadedAt === -Infinity) await cached.loading;
      else cached.loading.catch(() => {}); // the next listing due tries again
    }
    const out: AgentRecord[] = [];
    for (const e of c.records.values()) if (e.value) out.push(e.value);
    return out;
  }

  /** Resolves once a re-read of `role`'s listing copy in progress has finished (or failed). */
  async reread(role: AgentRole): Promise<void> {
    await this.#cache.get(role)?.loading?.catch(() => {});
  }

  /** One agent, revoked or not. */
  async get(role: AgentRole, id: string): Promise<AgentRecord | undefined> {
    return (await this.entry(role, id)).value ?? undefined;
  }

  /** The store entry of an agent (value null when unknown), to pass to {@link enroll} as `existing`. */
  entry(role: AgentRole, id: string): Promise<MaybeEntry<AgentRecord>> {
    return this.#store.get<AgentRecord>(["agents", role, id]);
  }

  /** All agents of a role, revoked ones included. */
  async list(role: AgentRole): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.#store.list<AgentRecord>([...AGENTS_PREFIX, role])) {
      out.push(e.value);
      this.#remember(role, e.key[2]!, e.value, e.version);
    }
    return out;
  }

  /** Whether the id is held by an enrolled, non-revoked agent. */
  async isEnrolled(role: AgentRole, id: string): Promise<boolean> {
    const r = await this.get(role, id);
    return r !== undefined && r.revokedAt === undefined;
  }

  /** Commits `mutations` when `checks` hold, remembering `written` at the commit's version. */
  async #commit(
    checks: { key: readonly string[]; version: Version | null }[],
    mutations: Mutation[],
    written: AgentRecord[],
  ): Promise<boolean> {
    const res = await this.#store.commit(checks, mutations);
    if (!res.ok) return false;
    for (const r of written) this.#remember(r.role, r.id, r, res.version);
    return true;
  }

  /**
   * Commits an enrollment: marks the token used, writes the agent and moves any certificate left
   * from a previous enrollment of the id to the revoked list, in one atomic commit that fails
   * when the token or the record changed since read. `options.existing` is the agent's entry as
   * the caller read it ({@link entry}; read here when absent): the commit checks that version.
   * `options.also` goes into the same commit (the enrollment's event: both or neither are stored).
   */
  async enroll(
    token: Entry<TokenRecord>,
    record: AgentRecord,
    options: { existing?: MaybeEntry<AgentRecord>; also?: readonly Mutation[] } = {},
  ): Promise<EnrollResult> {
    const key = ["agents", record.role, record.id];
    if (options.existing && options.existing.key.join("/") !== key.join("/")) {
      throw new RangeError(
        `Existing entry "${options.existing.key.join("/")}" is not the enrolled agent's "${key.join("/")}"`,
      );
    }
    const existing = options.existing ?? await this.#store.get<AgentRecord>(key);
    if (existing.value && existing.value.revokedAt === undefined) return { ok: false, conflict: "exists" };
    const now = this.#now();
    const superseded = existing.value
      ? revocationsOf(existing.value, liveCertificates(existing.value), "superseded", now)
      : [];
    const used: TokenRecord = { ...token.value, usedAt: now, usedBy: record.id };
    const ok = await this.#commit(
      [{ key: token.key, version: token.version }, { key, version: existing.version }],
      [
        { type: "set", key: ["tokens", token.value.id], value: used },
        { type: "set", key, value: record },
        ...revokedMutations(superseded, now),
        ...(options.also ?? []),
      ],
      [record],
    );
    if (ok) return { ok: true, superseded };
    const again = await this.#store.get<AgentRecord>(key);
    return {
      ok: false,
      conflict: again.value && again.value.revokedAt === undefined && again.version !== existing.version
        ? "exists"
        : "token",
    };
  }

  /**
   * Records a certificate issued by Renew to the holder of `presented`, atomically with the check
   * that the agent is not revoked and `presented` is still one of its live certificates (a
   * revocation racing the renewal wins: the new certificate must not be handed out). Drops live
   * certificates past notAfter + `graceMs`; beyond {@link MAX_LIVE_CERTIFICATES} the oldest move
   * to the revoked list. `also` goes into the same commit (the renewal's event).
   *
   * @throws {Error} when concurrent writes kept it from committing (nothing was recorded)
   */
  async renewed(
    role: AgentRole,
    id: string,
    presented: string,
    issued: IssuedCertificate,
    version: string,
    graceMs: number,
    also: readonly Mutation[] = [],
  ): Promise<RenewedResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#store.get<AgentRecord>(["agents", role, id]);
      const cur = entry.value;
      if (!cur || cur.revokedAt !== undefined || !liveCertificates(cur).some((c) => c.serial === presented)) {
        return { ok: false, reason: "revoked" };
      }
      const now = this.#now();
      // The new certificate first (it is never the one revoked), then the newest others.
      const live = [
        issued,
        ...liveCertificates(cur).filter((c) => c.notAfter + graceMs >= now && c.serial !== issued.serial)
          .sort((a, b) => b.notAfter - a.notAfter),
      ];
      const revoked = revocationsOf(cur, live.slice(MAX_LIVE_CERTIFICATES), "superseded", now);
      const { serials: _legacy, ...rest } = cur;
      const next: AgentRecord = {
        ...rest,
        certificates: live.slice(0, MAX_LIVE_CERTIFICATES),
        certExpiresAt: issued.notAfter,
        ...(version ? { version } : {}),
      };
      if (
        await this.#commit([entry], [
          { type: "set", key: entry.key, value: next },
          ...revokedMutations(revoked, now),
          ...also,
        ], [next])
      ) {
        return { ok: true, revoked };
      }
    }
    throw new Error(`could not record the renewal of ${role} "${id}": too many concurrent writes`);
  }

  /** Applies `change` to a record (retrying on concurrent writes); undefined when unknown. */
  async update(
    role: AgentRole,
    id: string,
    change: (r: AgentRecord) => AgentRecord,
  ): Promise<AgentRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#store.get<AgentRecord>(["agents", role, id]);
      if (!entry.value) return undefined;
      const next = change(entry.value);
      if (await this.#commit([entry], [{ type: "set", key: entry.key, value: next }], [next])) return next;
    }
    throw new Error(`could not update ${role} "${id}": too many concurrent writes`);
  }

  /** Records per commit of {@link updateMany}: {@link UPDATE_BATCH}, or fewer if the store's limits say so. */
  get updateBatch(): number {
    return Math.max(1, Math.min(UPDATE_BATCH, Math.floor(this.#store.limits.maxOperationsPerCommit / 2)));
  }

  /**
   * Applies many changes with few commits: {@link updateBatch} records per commit, each checked
   * against the version read (a concurrent renewal or revocation is never overwritten). A batch
   * that loses such a race is retried record by record. Unknown records are skipped. Returns the
   * number of commits made.
   */
  async updateMany(changes: RecordChange[]): Promise<number> {
    let commits = 0;
    const size = this.updateBatch;
    for (let i = 0; i < changes.length; i += size) {
      const batch = changes.slice(i, i + size);
      const entries: MaybeEntry<AgentRecord>[] = await this.#store.getMany<AgentRecord>(
        batch.map((c) => ["agents", c.role, c.id]),
      );
      const checks: Entry<AgentRecord>[] = [];
      const mutations: Mutation[] = [];
      const written: AgentRecord[] = [];
      entries.forEach((e, k) => {
        if (e.value === null) return;
        const next = batch[k]!.change(e.value);
        checks.push(e);
        mutations.push({ type: "set", key: e.key, value: next });
        written.push(next);
      });
      if (written.length === 0) continue;
      commits++;
      if (await this.#commit(checks, mutations, written)) continue;
      for (const c of batch) {
        commits++;
        await this.update(c.role, c.id, c.change);
      }
    }
    return commits;
  }

  /**
   * Revokes an agent: the record is marked revoked and its live certificates move to the revoked
   * list, in one atomic commit. Undefined when unknown or already revoked.
   */
  async revoke(role: AgentRole, id: string): Promise<Revoked | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#store.get<AgentRecord>(["agents", role, id]);
      const cur = entry.value;
      if (!cur || cur.revokedAt !== undefined) return undefined;
      const now = this.#now();
      const revoked = revocationsOf(cur, liveCertificates(cur), "revoked", now);
      const { serials: _legacy, ...rest } = cur;
      const record: AgentRecord = { ...rest, revokedAt: now, certificates: [] };
      if (
        await this.#commit([entry], [
          { type: "set", key: entry.key, value: record },
          ...revokedMutations(revoked, now),
        ], [record])
      ) {
        return { record, revoked };
      }
    }
    throw new Error(`could not revoke ${role} "${id}": too many concurrent writes`);
  }
}
