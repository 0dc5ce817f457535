/**
 * Which {@link Store} the controller keeps its state in (`CONTROLLER_STORE`, parsed by
 * `storeConfigFrom()` in controller/config.ts) and the one function that opens it.
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { formatHostPort, type HostPort } from "../../shared/net/host_port.ts";
import { openStateKv, secureStateDir } from "../state_dir.ts";
import { KvStore } from "./kv_store.ts";
import type { Store } from "./store.ts";

/** `CONTROLLER_STORE` unset: Deno KV in the state directory (one controller). */
export interface KvStoreConfig {
  kind: "kv";
  /** CONTROLLER_STATE_DIR: the directory of `controller.kv` (0700). */
  stateDir: string;
}

/** Client TLS to etcd (`etcds://`): the CA that signed the members, and an optional client certificate. */
export interface EtcdTlsConfig {
  /** ETCD_CA_PATH. */
  caPath: string;
  /** ETCD_CERT_PATH and ETCD_KEY_PATH, both or neither. */
  certPath?: string;
  keyPath?: string;
}

/** `CONTROLLER_STORE=etcd://host:port[,host:port…]` or `etcds://…`: an etcd v3 cluster. */
export interface EtcdStoreConfig {
  kind: "etcd";
  /** The members to dial, in the order given. */
  endpoints: HostPort[];
  /** Present for `etcds://`. */
  tls?: EtcdTlsConfig;
  /** ETCD_PREFIX: every key lives under it; starts and ends with `/`, default `/postern/`. */
  prefix: string;
}

/** Where the controller's state lives. */
export type StoreConfig = KvStoreConfig | EtcdStoreConfig;

/** The default ETCD_PREFIX. */
export const DEFAULT_ETCD_PREFIX = "/postern/";

/** Opens the etcd backend (lane store-etcd provides it in etcd_store.ts). */
export type OpenEtcdStore = (config: EtcdStoreConfig) => Promise<Store>;

/** The backends {@link openStore} can open besides Deno KV. */
export interface StoreBackends {
  etcd?: OpenEtcdStore;
}

/**
 * Opens the store `config` names. Deno KV: the state directory is secured (0700) and the KV file
 * opened at 0600. etcd: `backends.etcd` opens it; a build without it refuses with a ConfigError.
 */
export async function openStore(config: StoreConfig, backends: StoreBackends = {}): Promise<Store> {
  switch (config.kind) {
    case "kv": {
      await secureStateDir(config.stateDir);
      return new KvStore(await openStateKv(config.stateDir));
    }
    case "etcd": {
      if (!backends.etcd) {
        throw new ConfigError(
          "CONTROLLER_STORE names etcd, but this controller was built without the etcd backend",
        );
      }
      return await backends.etcd(config);
    }
  }
}

/** How a store is named in logs: `kv <dir>` or `etcd <host:port,…><prefix>`. */
export function describeStore(config: StoreConfig): string {
  if (config.kind === "kv") return `kv ${config.stateDir}`;
  return `${config.tls ? "etcds" : "etcd"}://${
    config.endpoints.map(formatHostPort).join(",")
  }${config.prefix}`;
}
