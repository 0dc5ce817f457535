/**
 * Connector policy in the store: allowlists (["allowlists", connector]) and resources (["resources", connector]).
 * @module
 */
import { type Address, AddressError, parseAddress, splitDestination } from "../../shared/access/address.ts";
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { put, type Store } from "../store/store.ts";

/**
 * Checks one entry of a connector's resources list with the one address parser
 * (shared/access/address.ts): `host:port`, `*.dns-name:port`, `ip:port`, `cidr:port` or
 * `[ipv6]:port` (`[ipv6/len]:port`). Returns the entry with its host in lower case.
 *
 * @throws {TypeError} `invalid resource "<entry>": <why>`
 */
export function validateResource(entry: unknown): string {
  if (typeof entry !== "string") {
    throw new TypeError(`invalid resource ${JSON.stringify(entry)}: must be a string`);
  }
  let address: Address;
  try {
    address = parseAddress(entry);
  } catch (e) {
    if (e instanceof AddressError) throw new TypeError(`invalid resource "${entry}": ${e.why}`);
    throw e;
  }
  const host = splitDestination(entry)!.host;
  return address.net?.bytes.length === 16 ? `[${host}]:${address.port}` : `${host}:${address.port}`;
}

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

  /**
   * A connector whose allowlist names `tunnelerId`, or undefined when none does (an unbound token
   * cannot enroll a named id). Reads every allowlist: enrollments are rare.
   */
  async connectorNaming(tunnelerId: string): Promise<string | undefined> {
    for await (const e of this.#store.list<string[]>(["allowlists"])) {
      if (e.value.includes(tunnelerId)) return String(e.key[1]);
    }
    return undefined;
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
