/**
 * Reads the subject alternative names and the SPIFFE ID of a certificate.
 * @module
 */
import { x509 } from "./_crypto.ts";
import { canonicalIp } from "../net/ip.ts";
import { parseSpiffeId, type SpiffeId } from "./spiffe_id.ts";

/** SAN names of a certificate by type. */
export function sanNames(cert: x509.X509Certificate): { uris: string[]; ips: string[]; dns: string[] } {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const items = ext?.names.items ?? [];
  return {
    uris: items.filter((n) => n.type === "url").map((n) => n.value),
    ips: items.filter((n) => n.type === "ip").map((n) => canonicalIp(n.value) ?? n.value),
    dns: items.filter((n) => n.type === "dns").map((n) => n.value),
  };
}

/**
 * The SPIFFE ID of a certificate: its one URI SAN.
 *
 * @throws {TypeError} with the reason (no URI SAN, several, or unparsable)
 */
export function spiffeIdOf(cert: x509.X509Certificate): SpiffeId {
  let uris: string[];
  try {
    uris = sanNames(cert).uris;
  } catch (e) {
    throw new TypeError(`subject alternative names cannot be parsed (${(e as Error).message})`);
  }
  if (uris.length === 0) throw new TypeError("certificate contains no URI SAN");
  if (uris.length > 1) {
    throw new TypeError(`certificate contains ${uris.length} URI SANs, exactly one is allowed`);
  }
  return parseSpiffeId(uris[0]!);
}
