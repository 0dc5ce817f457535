/**
 * Named admin API keys: `pak_<id>_<secret>` with 256 random bits, stored in the store under
 * ["api_keys", id] only as a SHA-256 hash, with a name (the `actor` of the events it causes) and a
 * scope (`admin`: every route; `read`: GET only).
 * @module
 */
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { newSecret, secretIdOf, sha256, tokenMatches } from "../registry/tokens.ts";
import type { Store } from "../store/store.ts";

/** What a key may do: `admin` everything, `read` GET only. */
export type ApiKeyScope = "admin" | "read";

/** Whether `v` is a scope. */
export function isApiKeyScope(v: unknown): v is ApiKeyScope {
  return v === "admin" || v === "read";
}

/** A stored key: never its text. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiKeyScope;
  hash: string;
  createdAt: number;
}

/** A name already in use by a live key. */
export class ApiKeyNameTaken extends Error {
  override name = "ApiKeyNameTaken";
}

/** API key records in the store. */
export class ApiKeyStore {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * Creates a key named `name` (an id: 1-64 of `A-Za-z0-9._-`); the returned `key` text is never
   * stored and never shown again.
   * @throws {TypeError} for an invalid name; {ApiKeyNameTaken} when a live key has that name
   */
  async create(name: string, scope: ApiKeyScope): Promise<{ key: string; record: ApiKeyRecord }> {
    validateAgentId(name);
    const { id, text: key } = newSecret("pak");
    const record: ApiKeyRecord = { id, name, scope, hash: sha256(key), createdAt: this.#now() };
    const nameKey = ["api_key_names", name];
    const result = await this.#store.commit([{ key: nameKey, version: null }], [
      { type: "set", key: nameKey, value: id },
      { type: "set", key: ["api_keys", id], value: record },
    ]);
    if (!result.ok) {
      throw new ApiKeyNameTaken(`an API key named "${name}" exists: revoke it first or pick another name`);
    }
    return { key, record };
  }

  /** All keys, oldest first. */
  async list(): Promise<ApiKeyRecord[]> {
    const out: ApiKeyRecord[] = [];
    for await (const e of this.#store.list<ApiKeyRecord>(["api_keys"])) out.push(e.value);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Deletes a key; undefined when unknown. */
  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    const entry = await this.#store.get<ApiKeyRecord>(["api_keys", id]);
    if (entry.value === null) return undefined;
    await this.#store.commit([entry], [
      { type: "delete", key: ["api_keys", id] },
      { type: "delete", key: ["api_key_names", entry.value.name] },
    ]);
    return entry.value;
  }

  /** The live key whose text is `key`, compared by hash in constant time; undefined otherwise. */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    const id = secretIdOf("pak", key);
    if (id === undefined) return undefined;
    const entry = await this.#store.get<ApiKeyRecord>(["api_keys", id]);
    if (entry.value === null) return undefined;
    return tokenMatches(key, entry.value.hash) ? entry.value : undefined;
  }
}
