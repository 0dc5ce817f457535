/**
 * Who is on the other end of a request: the direct peer, or, only when that peer is one of
 * `UI_TRUSTED_PROXIES`, the right-most address of `X-Forwarded-For` that is not a trusted proxy.
 * A client that is not a trusted proxy cannot choose its address by sending the header.
 * @module
 */
import { BlockList, isIP } from "node:net";
import { canonicalIp, parseIp } from "../../shared/net/ip.ts";

/** The reverse proxies whose `X-Forwarded-For` the UI believes (`UI_TRUSTED_PROXIES`). */
export class TrustedProxies {
  #list = new BlockList();
  /** The entries as given, for the startup log. */
  readonly entries: readonly string[];

  private constructor(entries: string[]) {
    this.entries = entries;
  }

  /**
   * Parses a comma list of addresses and CIDRs (`10.0.0.5, 10.1.0.0/16, fd00::/8`); empty or
   * undefined trusts nobody. @throws {TypeError} naming the first invalid entry
   */
  static parse(text: string | undefined): TrustedProxies {
    const entries = (text ?? "").split(",").map((e) => e.trim()).filter(Boolean);
    const out = new TrustedProxies(entries);
    for (const entry of entries) {
      const [address, prefixText, extra] = entry.split("/");
      const ip = normalizeIp(address ?? "");
      const family = ip && isIP(ip) === 4 ? "ipv4" : "ipv6";
      const prefix = prefixText === undefined ? undefined : Number(prefixText);
      const maxPrefix = family === "ipv4" ? 32 : 128;
      if (
        !ip || extra !== undefined ||
        (prefix !== undefined && !(/^\d{1,3}$/.test(prefixText!) && prefix <= maxPrefix))
      ) {
        throw new TypeError(
          `invalid entry "${entry}": use addresses or CIDRs separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8`,
        );
      }
      if (prefix === undefined) out.#list.addAddress(ip, family);
      else out.#list.addSubnet(ip, prefix, family);
    }
    return out;
  }

  /** True when `ip` (a normalised address) is a trusted proxy. */
  has(ip: string): boolean {
    const kind = isIP(ip);
    if (kind === 0) return false;
    try {
      return this.#list.check(ip, kind === 4 ? "ipv4" : "ipv6");
    } catch {
      return false; // e.g. an IPv6 zone id BlockList cannot parse: not a proxy we listed
    }
  }
}

/**
 * `text` as a canonical address: brackets, a port and an IPv4-mapped IPv6 prefix removed, IPv6 in
 * its RFC 5952 form (shared/net/ip.ts); undefined when it is not an IP address.
 */
export function normalizeIp(text: string): string | undefined {
  let t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(t);
  if (bracketed) t = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d{1,5}$/.test(t)) t = t.slice(0, t.lastIndexOf(":"));
  t = t.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (mapped) t = mapped[1]!;
  return canonicalIp(t);
}

/**
 * The client's address for rate limiting and logs. `peer` is the TCP peer; `forwardedFor` the
 * request's `X-Forwarded-For`, read only when `peer` is trusted: its hops are walked from the
 * right (the hop the trusted proxy itself added) past further trusted proxies to the first address
 * that is not one. A hop that is not an IP address ends the walk at the proxy that passed it on.
 */
export function clientAddress(peer: string, forwardedFor: string | null, trusted: TrustedProxies): string {
  const direct = normalizeIp(peer) ?? peer;
  if (!forwardedFor || !trusted.has(direct)) return direct;
  let client = direct;
  const hops = forwardedFor.split(",");
  for (let i = hops.length - 1; i >= 0 && i >= hops.length - 32; i--) {
    const hop = normalizeIp(hops[i]!);
    if (!hop) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}

/**
 * The key the login limit counts under: the address itself for IPv4, its /64 for IPv6 (one host
 * commonly holds a whole /64, so counting single IPv6 addresses would be no limit at all).
 */
export function limitKey(ip: string): string {
  const b = parseIp(ip);
  if (b?.length !== 16) return ip;
  const groups = [0, 2, 4, 6].map((i) => ((b[i]! << 8) | b[i + 1]!).toString(16));
  return `${groups.join(":")}::/64`;
}
