/**
 * Enrolled agents in KV under ["agents", role, id]; enrollment consumes a token atomically.
 * @module
 */
import type { AgentRecord, AgentRole, TokenRecord } from "./types.ts";

/** How many recent certificate serials of an agent stay valid (renewal overlap). */
export const KEPT_SERIALS = 3;

/**
 * Records per atomic commit in {@link AgentStore.updateMany}: one check and one set each, well under
 * Deno KV's limits (100 checks, 1000 mutations, 800 KiB of mutations per atomic operation; an
 * agent record is well under 1 KiB).
 */
export const UPDATE_BATCH = 50;

/** How long {@link AgentStore.listCached} may serve a listing before re-reading KV; default 2 s. */
export const DEFAULT_LIST_MAX_AGE_MS = 2_000;

/** Why an atomic enrollment did not commit. */
export type EnrollConflict = "token" | "exists";

/** One change of {@link AgentStore.updateMany}. */
export interface RecordChange {
  role: AgentRole;
  id: string;
  change: (r: AgentRecord) => AgentRecord;
}

interface CachedRole {
  /** id -> record and the versionstamp it was read or written at (the newer one wins). */
  records: Map<string, { value: AgentRecord; vs: string }>;
  loadedAt: number;
  loading?: Promise<void> | undefined;
}

/**
 * Agent records. KV is the truth; listings may also be served from an in-memory copy
 * ({@link listCached}) that every write made through this store updates at once and that is
 * re-read from KV when older than `listMaxAgeMs` (writes by another controller sharing the KV
 * appear in those listings within that bound).
 */
export class AgentStore {
  readonly #kv: Deno.Kv;
  readonly #now: () => number;
  readonly #listMaxAgeMs: number;
  readonly #cache = new Map<AgentRole, CachedRole>();

  constructor(kv: Deno.Kv, now: () => number = Date.now, listMaxAgeMs = DEFAULT_LIST_MAX_AGE_MS) {
    this.#kv = kv;
    this.#now = now;
    this.#listMaxAgeMs = listMaxAgeMs;
  }

  /** Write-through into the listing cache: the entry with the newer versionstamp wins. */
  #remember(value: AgentRecord, vs: string): void {
    const c = this.#cache.get(value.role);
    if (!c) return;
    const cur = c.records.get(value.id);
    if (!cur || cur.vs < vs) c.records.set(value.id, { value, vs });
  }

  /**
   * All agents of a role (revoked ones included), from memory when the copy was read from KV less
   * than `listMaxAgeMs` ago; writes made through this store are in it at once.
   */
  async listCached(role: AgentRole): Promise<AgentRecord[]> {
    let c = this.#cache.get(role);
    if (!c) this.#cache.set(role, c = { records: new Map(), loadedAt: -Infinity });
    if (this.#now() - c.loadedAt >= this.#listMaxAgeMs) {
      const cached = c;
      cached.loading ??= (async () => {
        const startedAt = this.#now();
        for await (const e of this.#kv.list<AgentRecord>({ prefix: ["agents", role] })) {
          this.#remember(e.value, e.versionstamp);
        }
        cached.loadedAt = startedAt;
      })().finally(() => (cached.loading = undefined));
      await cached.loading;
    }
    return [...c.records.values()].map((e) => e.value);
  }

  /** One agent, revoked or not. */
  async get(role: AgentRole, id: string): Promise<AgentRecord | undefined> {
    return (await this.#kv.get<AgentRecord>(["agents", role, id])).value ?? undefined;
  }

  /** All agents of a role, revoked ones included. */
  async list(role: AgentRole): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.#kv.list<AgentRecord>({ prefix: ["agents", role] })) {
      out.push(e.value);
      this.#remember(e.value, e.versionstamp);
    }
    return out;
  }

  /** Whether the id is held by an enrolled, non-revoked agent. */
  async isEnrolled(role: AgentRole, id: string): Promise<boolean> {
    const r = await this.get(role, id);
    return r !== undefined && r.revokedAt === undefined;
  }

  /**
   * Commits an enrollment: marks the token used and writes the agent, in one atomic operation
   * that fails when either changed since read. Returns the conflict when it did not commit.
   */
  async enroll(
    token: Deno.KvEntry<TokenRecord>,
    record: AgentRecord,
  ): Promise<EnrollConflict | undefined> {
    const key = ["agents", record.role, record.id];
    const existing = await this.#kv.get<AgentRecord>(key);
    if (existing.value && existing.value.revokedAt === undefined) return "exists";
    const used: TokenRecord = { ...token.value, usedAt: this.#now(), usedBy: record.id };
    const res = await this.#kv.atomic()
      .check(token)
      .check(existing)
      .set(["tokens", token.value.id], used)
      .set(key, record)
      .commit();
    if (res.ok) {
      this.#remember(record, res.versionstamp);
      return undefined;
    }
    const again = await this.#kv.get<AgentRecord>(key);
    return again.value && again.value.revokedAt === undefined && again.versionstamp !== existing.versionstamp
      ? "exists"
      : "token";
  }

  /** Records a renewed certificate (serial kept among the latest few). */
  async renewed(
    role: AgentRole,
    id: string,
    serial: string,
    notAfter: number,
    version: string,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#kv.get<AgentRecord>(["agents", role, id]);
      if (!entry.value) return;
      const serials = [serial, ...entry.value.serials].slice(0, KEPT_SERIALS);
      const next: AgentRecord = {
        ...entry.value,
        serials,
        certExpiresAt: notAfter,
        ...(version ? { version } : {}),
      };
      const res = await this.#kv.atomic().check(entry).set(entry.key, next).commit();
      if (res.ok) return this.#remember(next, res.versionstamp);
    }
  }

  /** Applies `change` to a record (retrying on concurrent writes); undefined when unknown. */
  async update(
    role: AgentRole,
    id: string,
    change: (r: AgentRecord) => AgentRecord,
  ): Promise<AgentRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#kv.get<AgentRecord>(["agents", role, id]);
      if (!entry.value) return undefined;
      const next = change(entry.value);
      const res = await this.#kv.atomic().check(entry).set(entry.key, next).commit();
      if (res.ok) {
        this.#remember(next, res.versionstamp);
        return next;
      }
    }
    throw new Error(`could not update ${role} "${id}": too many concurrent writes`);
  }

  /**
   * Applies many changes with few commits: {@link UPDATE_BATCH} records per atomic operation, each
   * checked against the version read (a concurrent renewal or revocation is never overwritten).
   * A batch that loses such a race is retried record by record. Unknown records are skipped.
   * Returns the number of KV commits made.
   */
  async updateMany(changes: RecordChange[]): Promise<number> {
    let commits = 0;
    for (let i = 0; i < changes.length; i += UPDATE_BATCH) {
      const batch = changes.slice(i, i + UPDATE_BATCH);
      const entries: Deno.KvEntryMaybe<AgentRecord>[] = [];
      for (let j = 0; j < batch.length; j += 10) { // getMany reads at most 10 keys
        entries.push(
          ...await this.#kv.getMany<AgentRecord[]>(
            batch.slice(j, j + 10).map((c) => ["agents", c.role, c.id]),
          ),
        );
      }
      let op = this.#kv.atomic();
      const written: AgentRecord[] = [];
      entries.forEach((e, k) => {
        if (e.value === null) return;
        const next = batch[k]!.change(e.value);
        op = op.check(e).set(e.key, next);
        written.push(next);
      });
      if (written.length === 0) continue;
      commits++;
      const res = await op.commit();
      if (res.ok) {
        for (const r of written) this.#remember(r, res.versionstamp);
        continue;
      }
      for (const c of batch) {
        commits++;
        await this.update(c.role, c.id, c.change);
      }
    }
    return commits;
  }

  /** Revokes an agent: its certificates are refused from now on. Undefined when unknown or already revoked. */
  async revoke(role: AgentRole, id: string): Promise<AgentRecord | undefined> {
    const r = await this.get(role, id);
    if (!r || r.revokedAt !== undefined) return undefined;
    return await this.update(role, id, (cur) => ({ ...cur, revokedAt: this.#now(), serials: [] }));
  }
}
