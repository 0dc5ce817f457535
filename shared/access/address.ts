/**
 * Resource addresses: the one parser and the one matcher of `host:port`, `cidr:port`,
 * `dns-name:port` and `*.dns-name:port` (IPv6 in brackets). Used by the connector (its own
 * resources list and the resources granted to tunnelers) and by the controller (validation).
 * Host:port splitting is `shared/net/host_port.ts`, IP parsing `shared/net/ip.ts`.
 * @module
 */
import { formatIp, parseIp } from "../net/ip.ts";
import { splitHostPort } from "../net/host_port.ts";
import { dnsNameProblem } from "../pki/trust_domain.ts";

/** A parsed address: exactly one of `host`, `suffix` or `net` is set. */
export interface Address {
  /** The text as given. */
  text: string;
  port: number;
  /** An exact DNS name, lower case, without a trailing dot. */
  host?: string;
  /** A wildcard `*.example.com`: the suffix `.example.com` (names below it, not the domain itself). */
  suffix?: string;
  /** An IP (full-length prefix) or a CIDR: network bytes and prefix length. */
  net?: { bytes: Uint8Array; prefix: number };
}

/** An address that cannot be parsed; the message names it and the fix. */
export class AddressError extends TypeError {
  override name = "AddressError";

  /** `text`: the address as given; `why`: what is wrong with it and the fix. */
  constructor(readonly text: string, readonly why: string) {
    super(`invalid address "${text}": ${why}`);
  }
}

/** Splits `host:port` / `[v6]:port` / `[v6 cidr]:port`: a host (lower case) and a port above 0. */
export function splitDestination(dest: string): { host: string; port: number } | undefined {
  const split = splitHostPort(dest);
  if (!split?.hostname || split.port === 0) return undefined;
  return { host: split.hostname.toLowerCase(), port: split.port };
}

/**
 * Parses one address.
 * @throws {AddressError} `invalid address "<text>": <why>`
 */
export function parseAddress(text: string): Address {
  const fail = (why: string): never => {
    throw new AddressError(text, why);
  };
  const split = splitHostPort(text);
  if (!split && /:\d+$/.test(text) && Number(text.slice(text.lastIndexOf(":") + 1)) > 65535) {
    return fail("port must be 1-65535");
  }
  if (!split?.hostname) return fail("use host:port, cidr:port, dns-name:port or [ipv6]:port");
  if (split.port === 0) return fail("port must be 1-65535");
  const host = split.hostname.toLowerCase();
  const slash = host.indexOf("/");
  if (slash >= 0) {
    const bytes = parseIp(host.slice(0, slash));
    const len = host.slice(slash + 1);
    if (!bytes) return fail("bad CIDR: not an IP address before the '/'");
    if ((bytes.length === 16) !== split.bracketed) {
      return fail("bad CIDR: IPv6 goes in brackets, IPv4 without");
    }
    if (!/^\d{1,3}$/.test(len) || Number(len) > bytes.length * 8) {
      return fail(`bad CIDR: prefix length must be 0-${bytes.length * 8}`);
    }
    return { text, port: split.port, net: { bytes, prefix: Number(len) } };
  }
  const bytes = parseIp(host);
  if (bytes) {
    if ((bytes.length === 16) !== split.bracketed) return fail("IPv6 addresses go in brackets, IPv4 without");
    return { text, port: split.port, net: { bytes, prefix: bytes.length * 8 } };
  }
  if (split.bracketed) return fail("not an IPv6 address");
  if (/^[\d.]+$/.test(host)) return fail("not a valid IPv4 address");
  const wildcard = host.startsWith("*.");
  const name = (wildcard ? host.slice(2) : host).replace(/\.$/, "");
  const problem = dnsNameProblem(name);
  if (problem) return fail(problem.replace("trust domain", "host"));
  return wildcard ? { text, port: split.port, suffix: `.${name}` } : { text, port: split.port, host: name };
}

/**
 * Checks one entry of a connector's resources list with the one address parser
 * (this module): `host:port`, `*.dns-name:port`, `ip:port`, `cidr:port` or
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

/**
 * What is wrong with one entry of a connector's resources list, in the words the admin API answers
 * with (`invalid resource "<entry>": <why>`); undefined when {@link validateResource} takes it.
 */
export function resourceError(entry: string): string | undefined {
  try {
    validateResource(entry);
    return undefined;
  } catch (e) {
    if (e instanceof TypeError) return e.message;
    throw e;
  }
}

/** Whether an address names one destination (`host:port`, `ip:port`): one a tunnel may name a resource by. */
export function isSingle(a: Address): boolean {
  return a.host !== undefined || (a.net !== undefined && a.net.prefix === a.net.bytes.length * 8);
}

/** The text to dial for a single address (undefined for CIDRs and wildcards). */
export function dialTarget(a: Address): { host: string; port: number } | undefined {
  if (a.host !== undefined) return { host: a.host, port: a.port };
  if (a.net && isSingle(a)) return { host: formatIp(a.net.bytes), port: a.port };
  return undefined;
}

/**
 * The address a destination really names: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, also
 * written `::ffff:7f00:1`) is the IPv4 address, matched against IPv4 rules only and dialed as
 * IPv4; anything else is returned as is. Undefined when `ip` is not an IP address.
 */
export function destinationBytes(ip: string): Uint8Array | undefined {
  const b = parseIp(ip);
  if (b?.length !== 16) return b;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return b;
  return b[10] === 0xff && b[11] === 0xff ? b.slice(12) : b;
}

/** Whether `ip` lies in `net` (same family only). */
export function inNet(ip: Uint8Array, net: { bytes: Uint8Array; prefix: number }): boolean {
  if (ip.length !== net.bytes.length) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((ip[bit >> 3]! & mask) !== (net.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** Whether a host name matches a name or wildcard address (the port is checked by the caller). */
export function nameMatches(a: Address, name: string): boolean {
  if (a.host !== undefined) return a.host === name;
  return a.suffix !== undefined && name.length > a.suffix.length && name.endsWith(a.suffix);
}
