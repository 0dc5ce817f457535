/**
 * `host:port` text: the one parser of addresses in Postern (variables, forwards, connector
 * resource rules and the destinations tunnelers ask for).
 * @module
 */

/** A listen or dial address: hostname (may be empty, meaning all interfaces) and port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/** `[inside]:port` or `host:port` (host may be empty); whitespace and stray brackets refused. */
const HOST_PORT = /^(?:\[([^\[\]\s]+)\]|([^:\s\[\]]*)):(\d{1,5})$/;

/**
 * Splits `host:port`, `:port` or `[inside]:port` (trimmed) without judging the host: the
 * bracketed part may be an IPv6 address or an IPv6 CIDR, the rest a name, an IP or an IPv4 CIDR.
 * Undefined when the text has another shape or the port is above 65535.
 */
export function splitHostPort(text: string): (HostPort & { bracketed: boolean }) | undefined {
  const match = HOST_PORT.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) return undefined;
  return { hostname: match[1] ?? match[2] ?? "", port, bracketed: match[1] !== undefined };
}

/**
 * Parses `host:port`, `:port` or `[v6]:port`. An empty host is returned as "" (listen on all
 * interfaces); callers that dial must require a host themselves.
 *
 * @throws {RangeError} `invalid address "<text>": use host:port, :port or [ipv6]:port`
 */
export function parseHostPort(text: string): HostPort {
  const split = splitHostPort(text);
  if (!split || (split.bracketed && !/^[0-9a-fA-F:.]+$/.test(split.hostname))) {
    throw new RangeError(`invalid address "${text}": use host:port, :port or [ipv6]:port`);
  }
  return { hostname: split.hostname, port: split.port };
}

/** Formats a HostPort for dialing (brackets around IPv6). */
export function formatHostPort({ hostname, port }: HostPort): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
