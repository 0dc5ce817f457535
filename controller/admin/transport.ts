/**
 * What the admin API knows about the connection a request came over, taken from the socket
 * (never from a header), and the one decision that depends on it: whether a request may carry
 * a CA private key.
 * @module
 */
import { parseIp } from "../../shared/net/ip.ts";

/** The connection of one admin request. */
export interface AdminTransport {
  /** The request arrived over HTTPS (ADMIN_TLS_CERT_FILE / ADMIN_TLS_KEY_FILE). */
  tls: boolean;
  /** The peer's address as the socket reports it. */
  remoteAddr: Deno.Addr;
}

/** Whether `host` is a loopback IP address: 127.0.0.0/8, ::1, or IPv4-mapped 127.0.0.0/8. */
export function isLoopbackIp(host: string): boolean {
  const b = parseIp(host);
  if (b === undefined) return false;
  if (b.length === 4) return b[0] === 127;
  const zeros = (n: number) => b.subarray(0, n).every((x) => x === 0);
  if (zeros(15) && b[15] === 1) return true;
  return zeros(10) && b[10] === 0xff && b[11] === 0xff && b[12] === 127;
}

/** Whether a listen host binds loopback only ("" and 0.0.0.0 bind every interface). */
export function isLoopbackListenHost(host: string): boolean {
  return host.toLowerCase() === "localhost" || isLoopbackIp(host);
}

/**
 * A request may carry a CA private key only over HTTPS or from a loopback peer: anything else
 * has already sent the key across a network in clear. Unix sockets count as local.
 */
export function mayCarryCaKey(t: AdminTransport): boolean {
  if (t.tls) return true;
  const addr = t.remoteAddr;
  if (addr.transport === "unix") return true;
  if (addr.transport === "tcp" || addr.transport === "udp") return isLoopbackIp(addr.hostname);
  return false;
}

/** The refusal of a CA key that arrived over plain HTTP from another host. */
export const CA_KEY_REFUSED =
  "CA private key refused: it arrived over plain HTTP from a non-loopback address; treat the key as exposed, then send a new one over HTTPS (set ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE) or from the controller's host over loopback";
