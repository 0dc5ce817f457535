/**
 * Enrolled agents in KV under ["agents", role, id]; enrollment consumes a token atomically.
 * @module
 */
import { revocationsOf, setRevoked } from "./revoked.ts";
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
 * Records per atomic commit in {@link AgentStore.updateMany}: one check and one set each, well under
 * Deno KV's limits (100 checks, 1000 mutations, 800 KiB of mutations per atomic operation; an
 * agent record is well under 1 KiB).
 */
export const UPDATE_BATCH = 50;

/** How long {@link AgentStore.listCached} may serve a listing before re-reading KV; default 30 s. */
export const DEFAULT_LIST_MAX_AGE_MS = 30_000;

/**
 * Bumped (a KV sum, so it never conflicts) in the same atomic operation as every enrollment,
 * renewal and revocation: a controller sharing the KV sees with one read whether its listing is out
 * of date. last_seen writes do not bump it.
 */
export const REGISTRY_REV: Deno.KvKey = ["registry", "agents_rev"];
const ONE = 1n;

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
  /** id -> record and the versionstamp it was read or written at (the newer one wins). */
  records: Map<string, { value: AgentRecord; vs: string }>;
  loadedAt: number;
  /** Versionstamp of {@link REGISTRY_REV} read before the last full read. */
  rev: string | null;
  loading?: Promise<void> | undefined;
}

/**
 * Agent records. KV is the truth; listings may also be served from an in-memory copy
 * ({@link listCached}) that every write made through this store updates at once. The copy is
 * re-read from KV when {@link REGISTRY_REV} moved (an enrollment, renewal or revocation by another
 * controller sharing the KV: seen at the next listing) or when it is older than `listMaxAgeMs`
 * (the bound on last_seen persisted by another controller; this controller's live agents are
 * shown from memory anyway).
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
   * All agents of a role (revoked ones included), from memory unless {@link REGISTRY_REV} moved
   * since the copy was read (one KV read) or the copy is older than `listMaxAgeMs`; writes made
   * through this store are in it at once.
   */
  async listCached(role: AgentRole): Promise<AgentRecord[]> {
    let c = this.#cache.get(role);
    if (!c) this.#cache.set(role, c = { records: new Map(), loadedAt: -Infinity, rev: null });
    const rev = (await this.#kv.get(REGISTRY_REV)).versionstamp;
    if (rev !== c.rev || this.#now() - c.loadedAt >= this.#listMaxAgeMs) {
      const cached = c;
      cached.loading ??= (async () => {
        const startedAt = this.#now();
        for await (const e of this.#kv.list<AgentRecord>({ prefix: ["agents", role] })) {
          this.#remember(e.value, e.versionstamp);
        }
        cached.loadedAt = startedAt;
        cached.rev = rev;
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
   * Commits an enrollment: marks the token used, writes the agent and moves any certificate left
   * from a previous enrollment of the id to the revoked list, in one atomic operation that fails
   * when the token or the record changed since read.
   */
  async enroll(token: Deno.KvEntry<TokenRecord>, record: AgentRecord): Promise<EnrollResult> {
    const key = ["agents", record.role, record.id];
    const existing = await this.#kv.get<AgentRecord>(key);
    if (existing.value && existing.value.revokedAt === undefined) return { ok: false, conflict: "exists" };
    const now = this.#now();
    const superseded = existing.value
      ? revocationsOf(existing.value, liveCertificates(existing.value), "superseded", now)
      : [];
    const used: TokenRecord = { ...token.value, usedAt: now, usedBy: record.id };
    const op = this.#kv.atomic()
      .check(token)
      .check(existing)
      .set(["tokens", token.value.id], used)
      .set(key, record)
      .sum(REGISTRY_REV, ONE);
    const res = await setRevoked(op, superseded, now).commit();
    if (res.ok) {
      this.#remember(record, res.versionstamp);
      return { ok: true, superseded };
    }
    const again = await this.#kv.get<AgentRecord>(key);
    return {
      ok: false,
      conflict:
        again.value && again.value.revokedAt === undefined && again.versionstamp !== existing.versionstamp
          ? "exists"
          : "token",
    };
  }

  /**
   * Records a certificate issued by Renew to the holder of `presented`, atomically with the check
   * that the agent is not revoked and `presented` is still one of its live certificates (a
   * revocation racing the renewal wins: the new certificate must not be handed out). Drops live
   * certificates past notAfter + `graceMs`; beyond {@link MAX_LIVE_CERTIFICATES} the oldest move
   * to the revoked list.
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
  ): Promise<RenewedResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#kv.get<AgentRecord>(["agents", role, id]);
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
      const op = this.#kv.atomic().check(entry).set(entry.key, next).sum(REGISTRY_REV, ONE);
      const res = await setRevoked(op, revoked, now).commit();
      if (res.ok) {
        this.#remember(next, res.versionstamp);
        return { ok: true, revoked };
      }
    }
    throw new Error(`could not record the renewal of ${role} "${id}": too many concurrent writes`);
  }

  /**
   * Applies `change` to a record (retrying on concurrent writes); undefined when unknown.
   * `bumpRev`: the change matters to other controllers' listings (not a last_seen write).
   */
  async update(
    role: AgentRole,
    id: string,
    change: (r: AgentRecord) => AgentRecord,
    bumpRev = false,
  ): Promise<AgentRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#kv.get<AgentRecord>(["agents", role, id]);
      if (!entry.value) return undefined;
      const next = change(entry.value);
      const op = this.#kv.atomic().check(entry).set(entry.key, next);
      const res = await (bumpRev ? op.sum(REGISTRY_REV, ONE) : op).commit();
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

  /**
   * Revokes an agent: the record is marked revoked and its live certificates move to the revoked
   * list, in one atomic operation. Undefined when unknown or already revoked.
   */
  async revoke(role: AgentRole, id: string): Promise<Revoked | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#kv.get<AgentRecord>(["agents", role, id]);
      const cur = entry.value;
      if (!cur || cur.revokedAt !== undefined) return undefined;
      const now = this.#now();
      const revoked = revocationsOf(cur, liveCertificates(cur), "revoked", now);
      const { serials: _legacy, ...rest } = cur;
      const record: AgentRecord = { ...rest, revokedAt: now, certificates: [] };
      const op = this.#kv.atomic().check(entry).set(entry.key, record).sum(REGISTRY_REV, ONE);
      const res = await setRevoked(op, revoked, now).commit();
      if (res.ok) {
        this.#remember(record, res.versionstamp);
        return { record, revoked };
      }
    }
    throw new Error(`could not revoke ${role} "${id}": too many concurrent writes`);
  }
}
