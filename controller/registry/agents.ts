/**
 * Enrolled agents in KV under ["agents", role, id]; enrollment consumes a token atomically.
 * @module
 */
import type { AgentRecord, AgentRole, TokenRecord } from "./types.ts";

/** How many recent certificate serials of an agent stay valid (renewal overlap). */
export const KEPT_SERIALS = 3;

/** Why an atomic enrollment did not commit. */
export type EnrollConflict = "token" | "exists";

/** Agent records. */
export class AgentStore {
  readonly #kv: Deno.Kv;
  readonly #now: () => number;

  constructor(kv: Deno.Kv, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  /** One agent, revoked or not. */
  async get(role: AgentRole, id: string): Promise<AgentRecord | undefined> {
    return (await this.#kv.get<AgentRecord>(["agents", role, id])).value ?? undefined;
  }

  /** All agents of a role, revoked ones included. */
  async list(role: AgentRole): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.#kv.list<AgentRecord>({ prefix: ["agents", role] })) out.push(e.value);
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
    if (res.ok) return undefined;
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
      if ((await this.#kv.atomic().check(entry).set(entry.key, next).commit()).ok) return;
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
      if ((await this.#kv.atomic().check(entry).set(entry.key, next).commit()).ok) return next;
    }
    throw new Error(`could not update ${role} "${id}": too many concurrent writes`);
  }

  /** Revokes an agent: its certificates are refused from now on. Undefined when unknown or already revoked. */
  async revoke(role: AgentRole, id: string): Promise<AgentRecord | undefined> {
    const r = await this.get(role, id);
    if (!r || r.revokedAt !== undefined) return undefined;
    return await this.update(role, id, (cur) => ({ ...cur, revokedAt: this.#now(), serials: [] }));
  }
}
