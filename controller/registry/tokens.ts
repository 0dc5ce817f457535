/**
 * Enrollment tokens: `pt_<id>_<secret>` with 256 random bits, stored only as a SHA-256 hash.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Entry, put, type Store } from "../store/store.ts";
import type { AgentRole, TokenRecord } from "./types.ts";

/** SHA-256 hex of a text. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * A new secret `<prefix>_<id>_<secret>`: a 64-bit id (16 hex digits, what the record is stored
 * under) and 256 random bits (43 base64url characters). Enrollment tokens (`pt`) and admin API
 * keys (`pak`) are made alike.
 */
export function newSecret(prefix: string): { id: string; text: string } {
  const id = hex(crypto.getRandomValues(new Uint8Array(8)));
  return { id, text: `${prefix}_${id}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}` };
}

/** The id inside a secret `<prefix>_<id>_<secret>` made by {@link newSecret}, or undefined. */
export function secretIdOf(prefix: string, text: string): string | undefined {
  const m = /^([a-z]+)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(text);
  return m?.[1] === prefix ? m[2] : undefined;
}

/** The token id inside a token text, or undefined when the text is not a Postern token. */
export function tokenIdOf(token: string): string | undefined {
  return secretIdOf("pt", token);
}

/** Whether `token` hashes to `hash`, compared in constant time. */
export function tokenMatches(token: string, hash: string): boolean {
  const a = new TextEncoder().encode(sha256(token));
  const b = new TextEncoder().encode(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Token records in the store under ["tokens", id]. */
export class TokenStore {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * Creates a token; the returned `token` text is never stored and never shown again. With
   * `agentId`, the token enrolls that id alone.
   */
  async create(
    role: AgentRole,
    ttlMs: number,
    note: string,
    agentId?: string,
  ): Promise<{ token: string; record: TokenRecord }> {
    const { id, text: token } = newSecret("pt");
    const now = this.#now();
    const record: TokenRecord = {
      id,
      hash: sha256(token),
      role,
      ...(agentId !== undefined ? { agentId } : {}),
      note,
      createdAt: now,
      expiresAt: now + ttlMs,
    };
    await put(this.#store, ["tokens", id], record);
    return { token, record };
  }

  /** All tokens, oldest first. */
  async list(): Promise<TokenRecord[]> {
    const out: TokenRecord[] = [];
    for await (const e of this.#store.list<TokenRecord>(["tokens"])) out.push(e.value);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Revokes a token; undefined when unknown. Checked against the version read, so that an
   * enrollment consuming the token at the same time is never undone (the revocation is retried).
   */
  async revoke(id: string): Promise<TokenRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.#store.get<TokenRecord>(["tokens", id]);
      if (!entry.value) return undefined;
      const record = { ...entry.value, revokedAt: entry.value.revokedAt ?? this.#now() };
      const res = await this.#store.commit([entry], [{ type: "set", key: entry.key, value: record }]);
      if (res.ok) return record;
    }
    throw new Error(`could not revoke token "${id}": too many concurrent writes`);
  }

  /**
   * The store entry of a token that is usable now for `role`, or undefined when it is unknown,
   * used, revoked, expired or for another role (all refused alike: `invalid enrollment token`).
   */
  async usable(token: string, role: AgentRole): Promise<Entry<TokenRecord> | undefined> {
    const id = tokenIdOf(token);
    if (id === undefined) return undefined;
    const entry = await this.#store.get<TokenRecord>(["tokens", id]);
    const r = entry.value;
    if (r === null || !tokenMatches(token, r.hash)) return undefined;
    if (
      r.usedAt !== undefined || r.revokedAt !== undefined || r.expiresAt <= this.#now() || r.role !== role
    ) {
      return undefined;
    }
    return entry as Entry<TokenRecord>;
  }
}
