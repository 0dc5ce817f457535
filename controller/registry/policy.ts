/**
 * Connector policy in the store: allowlists (["allowlists", connector]) and resources (["resources", connector]).
 * @module
 */
import { validateResource } from "../../shared/access/address.ts";
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { put, type Store } from "../store/store.ts";

/** Allowlists and resources of connectors. */
export class PolicyStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Tunneler ids a connector admits (empty: none). */
  async allowlist(connectorId: string): Promise<string[]> {
    return (await this.#store.get<string[]>(["allowlists", connectorId])).value ?? [];
  }

  /** Every connector's allowlist, in key order (`NamedIds` keeps the ids they name). */
  async allowlists(): Promise<[connectorId: string, ids: string[]][]> {
    const out: [string, string[]][] = [];
    for await (const e of this.#store.list<string[]>(["allowlists"])) out.push([String(e.key[1]), e.value]);
    return out;
  }

  /** Replaces an allowlist; ids are validated and deduplicated. */
  async setAllowlist(connectorId: string, ids: string[]): Promise<string[]> {
    const clean = [...new Set(ids.map((id) => validateAgentId(id)))].sort();
    await put(this.#store, ["allowlists", connectorId], clean);
    return clean;
  }

  /** Destinations a connector may forward to (empty: none). */
  async resources(connectorId: string): Promise<string[]> {
    return (await this.#store.get<string[]>(["resources", connectorId])).value ?? [];
  }

  /** Replaces a connector's resources; entries are validated and deduplicated. */
  async setResources(connectorId: string, entries: unknown[]): Promise<string[]> {
    const clean = [...new Set(entries.map(validateResource))];
    await put(this.#store, ["resources", connectorId], clean);
    return clean;
  }
}
