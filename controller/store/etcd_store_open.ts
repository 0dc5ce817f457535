/**
 * Opens the etcd backend from the controller's `CONTROLLER_STORE` configuration: reads the TLS
 * files of `etcds://` (`ETCD_CA_PATH`, `ETCD_CERT_PATH`, `ETCD_KEY_PATH`; unreadable: a
 * ConfigError naming the variable, exit 2) and checks that etcd answers before the controller
 * serves (unreachable or without quorum: StoreUnavailableError, exit 1, so systemd retries).
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { formatHostPort, type HostPort } from "../../shared/net/host_port.ts";
import { type EtcdTls, openEtcdStore } from "./etcd_store.ts";
import { type Store, StoreUnavailableError } from "./store.ts";
import type { Logger } from "../../shared/log/logger.ts";

/** What {@link openEtcdStoreFromConfig} needs of the parsed `CONTROLLER_STORE`. */
export interface EtcdConnection {
  endpoints: HostPort[];
  prefix: string;
  tls?: { caPath: string; certPath?: string; keyPath?: string };
}

/** Options of {@link openEtcdStoreFromConfig}. */
export interface OpenEtcdOptions {
  /** Deadline of one etcd request (default 3000 ms). */
  requestTimeoutMs?: number;
  /** Background errors of the store (watch reconnects). */
  log?: (message: string, error: unknown) => void;
}

/** Opens the etcd store `config` names and makes sure it answers. */
export async function openEtcdStoreFromConfig(
  config: EtcdConnection,
  options: OpenEtcdOptions = {},
): Promise<Store> {
  const tls = config.tls ? await readTls(config.tls) : undefined;
  const store = await openEtcdStore({
    endpoints: config.endpoints.map(formatHostPort),
    prefix: config.prefix,
    ...(tls ? { tls } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const health = await store.health();
  if (!health.writable) {
    await store.close();
    throw new StoreUnavailableError(`cannot start on etcd: ${health.problems.join("; ")}`);
  }
  return store;
}

async function readTls(tls: NonNullable<EtcdConnection["tls"]>): Promise<EtcdTls> {
  const read = async (name: string, path: string) => {
    try {
      return await Deno.readFile(path);
    } catch (e) {
      throw new ConfigError(
        `${name}: cannot read "${path}" (${(e as Error).message}): check the path and its permissions`,
      );
    }
  };
  return {
    ca: await read("ETCD_CA_PATH", tls.caPath),
    ...(tls.certPath ? { cert: await read("ETCD_CERT_PATH", tls.certPath) } : {}),
    ...(tls.keyPath ? { key: await read("ETCD_KEY_PATH", tls.keyPath) } : {}),
  };
}

/** The store's background reports (watch reconnects, handler errors) as controller log lines. */
export function storeLog(log: Logger): (message: string, error: unknown) => void {
  return (message, error) =>
    log.warn(message, { error: error instanceof Error ? error.message : String(error) });
}
