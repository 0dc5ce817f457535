/**
 * A set of parsed addresses, indexed for matching: the one matcher behind the connector's own
 * resources list and the resources granted to each tunneler. A destination host name matches a
 * name or `*.` rule by name; otherwise every address it resolved to must lie in the CIDRs of one
 * label (a resource), so a name is never admitted by pieces of two resources.
 * @module
 */
import { formatIp } from "../net/ip.ts";
import { type Address, inNet } from "./address.ts";

/** A destination as checked: the port, the host name if one was given, its addresses. */
export interface Destination {
  port: number;
  /** The host name asked for (lower case, no trailing dot); undefined for an IP literal. */
  name?: string;
  /** The literal address, or what the name resolved to (IPv4-mapped already made IPv4). */
  addresses: readonly Uint8Array[];
}

/**
 * The index keys of a destination, computed once per decision and reused by every rule set it is
 * matched against (a tunneler may hold many grants).
 */
export interface Probe {
  port: number;
  /** `port name`, when a name was given. */
  exact?: string;
  /** `port .suffix` for each suffix of the name, longest first. */
  suffixes: string[];
  /** `port ip` for each address. */
  ips: string[];
  addresses: readonly Uint8Array[];
}

/** The probe of `dest`. */
export function probeOf(dest: Destination): Probe {
  const suffixes: string[] = [];
  if (dest.name !== undefined) {
    for (let i = dest.name.indexOf("."); i >= 0; i = dest.name.indexOf(".", i + 1)) {
      suffixes.push(`${dest.port} ${dest.name.slice(i)}`);
    }
  }
  return {
    port: dest.port,
    ...(dest.name !== undefined ? { exact: `${dest.port} ${dest.name}` } : {}),
    suffixes,
    ips: dest.addresses.map((ip) => `${dest.port} ${formatIp(ip)}`),
    addresses: dest.addresses,
  };
}

interface Entry<L> {
  address: Address;
  label: L;
  order: number;
}

/** Addresses with a label each (a resource name, or undefined for the connector's own list). */
export class RuleSet<L> {
  readonly #byName = new Map<string, Entry<L>>();
  readonly #bySuffix = new Map<string, Entry<L>>();
  readonly #byIp = new Map<string, Entry<L>[]>();
  readonly #cidrsByPort = new Map<number, Entry<L>[]>();
  readonly #ports = new Set<number>();
  #size = 0;

  /** Adds an address with its label; earlier additions win ties. */
  add(address: Address, label: L): void {
    const e: Entry<L> = { address, label, order: this.#size++ };
    const p = address.port;
    this.#ports.add(p);
    if (address.host !== undefined) {
      const k = `${p} ${address.host}`;
      if (!this.#byName.has(k)) this.#byName.set(k, e);
    } else if (address.suffix !== undefined) {
      const k = `${p} ${address.suffix}`;
      if (!this.#bySuffix.has(k)) this.#bySuffix.set(k, e);
    } else if (address.net && address.net.prefix === address.net.bytes.length * 8) {
      const k = `${p} ${formatIp(address.net.bytes)}`;
      const list = this.#byIp.get(k);
      if (list) list.push(e);
      else this.#byIp.set(k, [e]);
    } else {
      const list = this.#cidrsByPort.get(p);
      if (list) list.push(e);
      else this.#cidrsByPort.set(p, [e]);
    }
  }

  /** How many addresses were added. */
  get size(): number {
    return this.#size;
  }

  /** Whether any rule could match this port (saves a DNS lookup when none can). */
  hasPort(port: number): boolean {
    return this.#ports.has(port);
  }

  /** The label of the first rule that admits `dest`, as `{label}`, or undefined. */
  match(dest: Destination | Probe): { label: L } | undefined {
    const p = "ips" in dest ? dest : probeOf(dest);
    if (!this.#ports.has(p.port)) return undefined;
    if (p.exact !== undefined) {
      const exact = this.#byName.get(p.exact);
      if (exact) return { label: exact.label };
    }
    // `*.example.com` matches `a.example.com` and `a.b.example.com`: each suffix, longest first.
    for (const k of p.suffixes) {
      const w = this.#bySuffix.get(k);
      if (w) return { label: w.label };
    }
    if (p.addresses.length === 0) return undefined;
    // Every address must lie in rules of one label: intersect the labels each address matches.
    let common: Entry<L>[] | undefined;
    for (let i = 0; i < p.addresses.length; i++) {
      const hits = this.#entriesFor(p.addresses[i]!, p.ips[i]!, p.port);
      common = common === undefined ? hits : common.filter((c) => hits.some((h) => h.label === c.label));
      if (common.length === 0) return undefined;
    }
    common!.sort((a, b) => a.order - b.order);
    return { label: common![0]!.label };
  }

  #entriesFor(ip: Uint8Array, key: string, port: number): Entry<L>[] {
    const exact = this.#byIp.get(key);
    const cidrs = this.#cidrsByPort.get(port);
    if (!cidrs) return exact ?? [];
    const out = exact ? [...exact] : [];
    for (const e of cidrs) if (inNet(ip, e.address.net!)) out.push(e);
    return out;
  }
}
