/**
 * The resources a connector may forward to: `host:port` or `cidr:port` rules set by the
 * controller. Deny by default; a DNS name is resolved here and every address must be allowed.
 * @module
 */
import { lookup } from "node:dns/promises";
import { parseIp } from "../shared/net/ip.ts";
import { splitHostPort } from "../shared/net/host_port.ts";

interface Rule {
  text: string;
  port: number;
  /** Exact host name (lower case) or undefined for CIDR rules. */
  host?: string;
  /** CIDR: network bytes and prefix length. */
  net?: { bytes: Uint8Array; prefix: number };
}

/**
 * The address a destination really names: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, also
 * written `::ffff:7f00:1`) is the IPv4 address, matched against IPv4 rules only and dialed as
 * IPv4; anything else is returned as is.
 */
function destinationBytes(ip: string): Uint8Array | undefined {
  const b = parseIp(ip);
  if (b?.length !== 16) return b;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return b;
  return b[10] === 0xff && b[11] === 0xff ? b.slice(12) : b;
}

/** The text to dial for checked address bytes (IPv4 dotted, IPv6 as given). */
function dialHost(text: string, bytes: Uint8Array): string {
  return bytes.length === 4 ? bytes.join(".") : text;
}

function inNet(ip: Uint8Array, net: { bytes: Uint8Array; prefix: number }): boolean {
  if (ip.length !== net.bytes.length) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((ip[bit >> 3]! & mask) !== (net.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** Splits `host:port` / `[v6]:port` / `[v6 cidr]:port`: a host and a port above 0, or undefined. */
export function splitDestination(dest: string): { host: string; port: number } | undefined {
  const split = splitHostPort(dest);
  if (!split?.hostname || split.port === 0) return undefined;
  return { host: split.hostname.toLowerCase(), port: split.port };
}

/** Parses one rule. @throws {TypeError} naming it */
function parseRule(text: string): Rule {
  const d = splitDestination(text);
  if (!d) throw new TypeError(`invalid resource "${text}": use host:port or cidr:port`);
  const slash = d.host.indexOf("/");
  if (slash >= 0) {
    const bytes = parseIp(d.host.slice(0, slash));
    const prefix = Number(d.host.slice(slash + 1));
    if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
      throw new TypeError(`invalid resource "${text}": bad CIDR`);
    }
    return { text, port: d.port, net: { bytes, prefix } };
  }
  const bytes = parseIp(d.host);
  if (bytes) return { text, port: d.port, net: { bytes, prefix: bytes.length * 8 } };
  return { text, port: d.port, host: d.host.replace(/\.$/, "") };
}

/** Resolves host names; injected in tests. */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** The allowed destinations. Immutable; the connector replaces it on each AgentConfig. */
export class ResourcePolicy {
  readonly #rules: Rule[];
  /** Rules that could not be parsed (logged by the caller, never matched). */
  readonly invalid: string[] = [];

  constructor(rules: readonly string[], private readonly resolve: Resolver = systemResolver) {
    this.#rules = [];
    for (const r of rules) {
      try {
        this.#rules.push(parseRule(r));
      } catch (e) {
        this.invalid.push((e as Error).message);
      }
    }
  }

  get size(): number {
    return this.#rules.length;
  }

  /**
   * The address to dial for `dest`, or a refusal. A DNS name is allowed when a host rule names
   * it, or when every address it resolves to is inside an allowed CIDR for that port.
   */
  async check(
    dest: string,
  ): Promise<{ ok: true; host: string; port: number } | { ok: false; error: string }> {
    const refuse = { ok: false as const, error: `resource not allowed: "${dest}"` };
    const d = splitDestination(dest);
    if (!d) return refuse;
    const rules = this.#rules.filter((r) => r.port === d.port);
    if (rules.length === 0) return refuse;
    const literal = destinationBytes(d.host);
    if (literal) {
      return rules.some((r) => r.net && inNet(literal, r.net))
        ? { ok: true, host: dialHost(d.host, literal), port: d.port }
        : refuse;
    }
    const name = d.host.replace(/\.$/, "");
    let addresses: string[];
    try {
      addresses = await this.resolve(name);
    } catch (e) {
      return { ok: false, error: `cannot resolve "${dest}": ${(e as Error).message}` };
    }
    if (addresses.length === 0) return { ok: false, error: `cannot resolve "${dest}": no addresses` };
    const byName = rules.some((r) => r.host === name);
    // Each address is checked; a named rule admits the name's own addresses.
    const allowed = addresses.filter((a) => {
      const b = destinationBytes(a);
      return byName || (b !== undefined && rules.some((r) => r.net && inNet(b, r.net)));
    });
    if (allowed.length !== addresses.length) return refuse;
    // Dial the checked address, never the name again (no second, unchecked resolution).
    const first = allowed[0]!;
    const bytes = destinationBytes(first);
    return { ok: true, host: bytes ? dialHost(first, bytes) : first, port: d.port };
  }
}
