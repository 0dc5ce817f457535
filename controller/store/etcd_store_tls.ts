/**
 * TLS to etcd members named by IP (`etcds://10.0.0.1:2379`): Deno's `node:tls` refuses an IP as
 * the TLS servername, so grpc-js cannot dial such a member with its defaults (the same fault the
 * controller's own clients avoid with `grpc.ssl_target_name_override`, docs/architecture.md). For
 * each member named by IP this gives the etcd3 client's connection to it a fixed SNI name and an
 * identity check of its own: the member's certificate, chained to `ETCD_CA_PATH`, must name that
 * very IP (an IP SAN), as it would without the fault. Members named by DNS keep grpc-js's checks.
 *
 * It sets the channel credentials and options of etcd3's per-member `Host` objects before their
 * first call; if etcd3 changes that layout, opening the store fails with a message saying so (the
 * etcds:// test in etcd_store_test.ts shows it).
 * @module
 */
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { type ChannelOptions, credentials } from "@grpc/grpc-js";
import type { Etcd3 } from "etcd3";
import { parseHostPort } from "../../shared/net/host_port.ts";

/** PEM material of the client side of etcds://. */
export interface EtcdTlsMaterial {
  ca: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
}

/** The SNI name sent to members named by IP (any fixed name: the IP SAN is what is checked). */
export const ETCD_SNI_NAME = "etcd";

interface HostLayout {
  host: string;
  channelCredentials: unknown;
  channelOptions?: ChannelOptions;
}

/** Gives every member of `client` named by IP the SNI name and the IP SAN check (see the module doc). */
export function checkMembersByIp(client: Etcd3, tls: EtcdTlsMaterial): void {
  const hosts = (client as unknown as { pool?: { hosts?: unknown } }).pool?.hosts;
  if (!Array.isArray(hosts) || !hosts.every(isHostLayout)) {
    throw new Error(
      "etcd3's connection pool layout changed (pool.hosts[].host/channelCredentials): etcds:// to members named by IP needs controller/store/etcd_store_tls.ts updated",
    );
  }
  for (const h of hosts) {
    const { hostname } = parseHostPort(h.host);
    if (isIP(hostname) === 0) continue;
    h.channelCredentials = credentials.createSsl(
      Buffer.from(tls.ca),
      tls.key ? Buffer.from(tls.key) : null,
      tls.cert ? Buffer.from(tls.cert) : null,
      { checkServerIdentity: (_sni: string, cert: PeerCertificate) => checkServerIdentity(hostname, cert) },
    );
    h.channelOptions = { ...h.channelOptions, "grpc.ssl_target_name_override": ETCD_SNI_NAME };
  }
}

function isHostLayout(h: unknown): h is HostLayout {
  return typeof h === "object" && h !== null && typeof (h as HostLayout).host === "string" &&
    "channelCredentials" in h;
}
