/**
 * Connector policy in the store: allowlists (["allowlists", connector]) and resources (["resources", connector]).
 * @module
 */
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { dnsNameProblem } from "../../shared/pki/trust_domain.ts";
import { put, type Store } from "../store/store.ts";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Checks one resource entry: `host:port`, `ipv4:port`, `ipv4/len:port` or `[ipv6]:port`
 * (`[ipv6/len]:port`). Returns the entry (host lower-cased).
 *
 * @throws {TypeError} `invalid resource "<entry>": <why>`
 */
export function validateResource(entry: unknown): string {
  if (typeof entry !== "string") {
    throw new TypeError(`invalid resource ${JSON.stringify(entry)}: must be a string`);
  }
  const fail = (why: string): never => {
    throw new TypeError(`invalid resource "${entry}": ${why}`);
  };
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(entry);
  if (!m) return fail("use host:port, cidr:port or [ipv6]:port");
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return fail("port must be 1-65535");
  const host = (m[1] ?? m[2]!).toLowerCase();
  if (m[1] !== undefined) {
    const [addr, len, extra] = host.split("/");
    if (extra !== undefined || !addr || !/^[0-9a-f:.]+$/.test(addr) || !addr.includes(":")) {
      return fail("not an IPv6 address");
    }
    if (len !== undefined && (!/^\d{1,3}$/.test(len) || Number(len) > 128)) {
      return fail("prefix length must be 0-128");
    }
    return `[${host}]:${port}`;
  }
  if (host.includes("/")) {
    const [addr, len, extra] = host.split("/");
    if (extra !== undefined || !IPV4.test(addr!)) return fail("CIDR must be an IPv4 address/prefix");
    if (!/^\d{1,2}$/.test(len!) || Number(len) > 32) return fail("prefix length must be 0-32");
    return `${host}:${port}`;
  }
  if (IPV4.test(host)) return `${host}:${port}`;
  if (/^[\d.]+$/.test(host)) return fail("not a valid IPv4 address");
  const problem = dnsNameProblem(host.replace(/\.$/, ""));
  if (problem) return fail(problem.replace("trust domain", "host"));
  return `${host}:${port}`;
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
