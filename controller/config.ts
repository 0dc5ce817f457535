/**
 * The controller's configuration: every variable of the contract's Controller section, parsed
 * and validated up front. Any problem is a ConfigError (exit 2) naming the variable and the fix.
 * @module
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { ConfigError } from "../shared/config/config_error.ts";
import {
  type Env,
  type HostPort,
  hostPort,
  optional,
  parseDuration,
  required,
  stateDirectory,
  stateDirectoryVariable,
} from "../shared/config/env.ts";
import { checkRoots, type ConfiguredPath } from "../shared/config/roots.ts";
import { type LoggerOptions, loggerOptionsFromEnv } from "../shared/log/logger.ts";
import { CaError, type CertificateAuthority, loadCa } from "../shared/pki/ca.ts";
import { DEFAULT_TRUST_DOMAIN, normalizeTrustDomain } from "../shared/pki/trust_domain.ts";
import type { EventRetention } from "./registry/events.ts";
import { DEFAULT_ETCD_PREFIX, type EtcdTlsConfig, type StoreConfig } from "./store/open.ts";
import { type SealingKey, sealingKeyFor } from "./store/sealed_key.ts";
import { parseHostPort } from "../shared/net/host_port.ts";
import type { GrpcHandshakeBounds } from "./grpc/handshake_bounds.ts";
import type { ServiceSettings } from "./context.ts";

/** The admin API listens on loopback unless told otherwise. */
export const DEFAULT_ADMIN_HTTP_ADDR = "127.0.0.1:8080";

/** Where the CA comes from: PEM text from the environment or files. */
export interface CaSource {
  /** CA certificate PEM. */
  certPem: string;
  /** CA private key PEM. */
  keyPem: string;
  /** Paths when read from `INTERNAL_CA_CERT_FILE` / `INTERNAL_CA_KEY_FILE` (for SIGHUP reloads). */
  certPath?: string;
  keyPath?: string;
}

/** Where the admin API's HTTPS certificate and key are (`ADMIN_TLS_CERT_FILE` / `ADMIN_TLS_KEY_FILE`). */
export interface AdminTlsPaths {
  certPath: string;
  keyPath: string;
}

/** The admin API's HTTPS certificate chain and key, read at start. */
export interface AdminTls extends AdminTlsPaths {
  certPem: string;
  keyPem: string;
}

/** Validated controller settings. */
export interface ControllerConfig extends ServiceSettings {
  adminToken: string;
  /** EVENTS_SINK: `-` (stdout) or the absolute path of a file every event is appended to as a JSON line. */
  eventsSink?: string;
  adminAddr: HostPort;
  /** Set when the admin API serves HTTPS; absent: plain HTTP. */
  adminTlsPaths?: AdminTlsPaths;
  adminTls?: AdminTls;
  grpcAddr: HostPort;
  stateDir: string;
  /**
   * CONTROLLER_STORE: an etcd cluster, or Deno KV in `stateDir`, which is also what an absent
   * field means (test harnesses build configs with `stateDir` alone); see {@link storeOf}.
   */
  store?: StoreConfig;
  /** CA_KEY_ENCRYPTION_KEY_FILE: seals CA private keys in a shared store; required with etcd. */
  sealingKey?: SealingKey;
  log: LoggerOptions;
  caSource: CaSource;
  ca: CertificateAuthority;
  /** Bounds on the gRPC listener's unfinished TLS handshakes; never from the environment (tests shorten them). */
  grpcHandshakes?: Partial<GrpcHandshakeBounds>;
}

/** Parses a duration with `s`, `m`, `h` (shared) or `d` (days, controller-only, for RENEW_GRACE). */
export function parseLongDuration(text: string): number {
  const days = /^(\d+)d$/.exec(text.trim());
  if (days) {
    const ms = Number(days[1]) * 86_400_000;
    if (ms <= 0) throw new RangeError(`invalid duration "${text}": it must be greater than zero`);
    return ms;
  }
  try {
    return parseDuration(text);
  } catch {
    throw new RangeError(
      `invalid duration "${text}": use a whole number with s, m, h or d, e.g. 30s, 15m, 1h, 7d`,
    );
  }
}

function durationVar(env: Env, name: string, fallback: string): number {
  const text = optional(env, name) ?? fallback;
  try {
    return parseLongDuration(text);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
}

/** The largest EVENTS_MAX / FLOW_EVENTS_MAX accepted. */
export const MAX_EVENTS_LIMIT = 10_000_000;

function countVar(env: Env, name: string, fallback: number): number {
  const text = optional(env, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_EVENTS_LIMIT) {
    throw new ConfigError(
      `${name}: invalid count "${text}": use a whole number from 1 to ${MAX_EVENTS_LIMIT}`,
    );
  }
  return n;
}

/** The retention of security and flow (`tunnel.*`) events. */
export function eventRetentionFrom(env: Env): EventRetention {
  return {
    security: {
      maxAgeMs: durationVar(env, "EVENTS_RETENTION", "30d"),
      maxCount: countVar(env, "EVENTS_MAX", 100_000),
    },
    flow: {
      maxAgeMs: durationVar(env, "FLOW_EVENTS_RETENTION", "7d"),
      maxCount: countVar(env, "FLOW_EVENTS_MAX", 100_000),
    },
  };
}

/** TRUST_DOMAIN, normalised; invalid → ConfigError containing `invalid domain` (failure mode 1.4). */
export function trustDomainFrom(env: Env): string {
  const raw = optional(env, "TRUST_DOMAIN") ?? DEFAULT_TRUST_DOMAIN;
  try {
    return normalizeTrustDomain(raw);
  } catch (e) {
    throw new ConfigError(
      `${(e as Error).message}: set TRUST_DOMAIN to a DNS name such as postern.internal`,
      {
        failureMode: "1.4",
        cause: e,
      },
    );
  }
}

async function readText(path: string, name: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new ConfigError(
        `open ${path}: permission denied: invalid internal CA: cannot read ${name}; make it readable by the service or hand it over with LoadCredential=`,
        { failureMode: "5.2" },
      );
    }
    throw new ConfigError(
      `invalid internal CA: cannot read ${name}="${path}" (${
        (e as Error).message
      }): check the path and its permissions`,
      { failureMode: "1.3" },
    );
  }
}

/** Reads the CA PEM text from `INTERNAL_CA_CERT`/`_KEY` or the `_FILE` variants (failure mode 1.3). */
export async function caSourceFrom(env: Env): Promise<CaSource> {
  const certText = optional(env, "INTERNAL_CA_CERT");
  const keyText = optional(env, "INTERNAL_CA_KEY");
  const certPath = optional(env, "INTERNAL_CA_CERT_FILE");
  const keyPath = optional(env, "INTERNAL_CA_KEY_FILE");
  if (certText === undefined && certPath === undefined) {
    throw new ConfigError(
      "invalid internal CA: INTERNAL_CA_CERT or INTERNAL_CA_CERT_FILE is required: create one with `postern-controller init-ca --out DIR`",
      { failureMode: "1.3" },
    );
  }
  if (keyText === undefined && keyPath === undefined) {
    throw new ConfigError(
      "invalid internal CA: INTERNAL_CA_KEY or INTERNAL_CA_KEY_FILE is required: create one with `postern-controller init-ca --out DIR`",
      { failureMode: "1.3" },
    );
  }
  const source: CaSource = {
    certPem: certText ?? await readText(certPath!, "INTERNAL_CA_CERT_FILE"),
    keyPem: keyText ?? await readText(keyPath!, "INTERNAL_CA_KEY_FILE"),
  };
  if (certText === undefined && certPath !== undefined) source.certPath = certPath;
  if (keyText === undefined && keyPath !== undefined) source.keyPath = keyPath;
  return source;
}

/** Loads and checks the CA of `source`; CaError becomes a ConfigError (exit 2) with the same message. */
export async function loadCaFrom(source: CaSource): Promise<CertificateAuthority> {
  try {
    return await loadCa(source.certPem, source.keyPem);
  } catch (e) {
    if (e instanceof CaError) throw new ConfigError(e.message, { failureMode: e.failureMode, cause: e });
    throw new ConfigError(`invalid internal CA: ${(e as Error).message}`, { failureMode: "1.3", cause: e });
  }
}

/** Re-reads the CA from its files (SIGHUP); text sources are returned unchanged. */
export async function rereadCaSource(source: CaSource): Promise<CaSource> {
  const next: CaSource = { ...source };
  if (source.certPath) next.certPem = await readText(source.certPath, "INTERNAL_CA_CERT_FILE");
  if (source.keyPath) next.keyPem = await readText(source.keyPath, "INTERNAL_CA_KEY_FILE");
  return next;
}

/** The default state directory: `$STATE_DIRECTORY` (systemd) or `./.postern/controller`. */
export function stateDirFrom(env: Env): string {
  return stateDirectory(env, "CONTROLLER_STATE_DIR", "controller");
}

const STORE_USAGE =
  "use etcd://host:port[,host:port…] or etcds://host:port[,host:port…], or leave it unset for Deno KV in CONTROLLER_STATE_DIR";

const ETCD_TLS_VARIABLES = ["ETCD_CA_PATH", "ETCD_CERT_PATH", "ETCD_KEY_PATH"] as const;

/** A valid ETCD_PREFIX: `/`, segments of `A-Za-z0-9._-` each followed by `/`. */
const ETCD_PREFIX = /^\/(?:[A-Za-z0-9._-]+\/)+$/;

/**
 * `CONTROLLER_STORE` (with `ETCD_PREFIX` and, for `etcds://`, `ETCD_CA_PATH`, `ETCD_CERT_PATH`,
 * `ETCD_KEY_PATH`): where the state lives. Unset: Deno KV in the state directory. Any problem is a
 * ConfigError (exit 2) naming the variable; an `ETCD_*` variable without an etcd store is one too
 * (it would be silently ignored).
 */
export function storeConfigFrom(env: Env): StoreConfig {
  const raw = optional(env, "CONTROLLER_STORE");
  if (raw === undefined) {
    for (const name of ["ETCD_PREFIX", ...ETCD_TLS_VARIABLES]) {
      if (optional(env, name) !== undefined) {
        throw new ConfigError(
          `${name} is set but CONTROLLER_STORE is not: set CONTROLLER_STORE=etcd://… or etcds://… to use etcd, or unset ${name}`,
        );
      }
    }
    return { kind: "kv", stateDir: stateDirFrom(env) };
  }
  const m = /^(etcds?):\/\/(.*)$/.exec(raw);
  if (!m) throw new ConfigError(`CONTROLLER_STORE "${raw}" is not a store address: ${STORE_USAGE}`);
  const secure = m[1] === "etcds";
  const list = m[2]!;
  if (list.trim() === "") {
    throw new ConfigError(`CONTROLLER_STORE "${raw}" names no etcd member: ${STORE_USAGE}`);
  }
  const endpoints = list.split(",").map((part) => {
    const text = part.trim();
    let hp: HostPort;
    try {
      hp = parseHostPort(text);
    } catch {
      throw new ConfigError(
        `CONTROLLER_STORE "${raw}": "${text}" is not host:port (a path, user or query has no place there): ${STORE_USAGE}`,
      );
    }
    if (hp.hostname === "" || hp.port === 0) {
      throw new ConfigError(
        `CONTROLLER_STORE "${raw}": "${text}" needs a host and a port, e.g. 127.0.0.1:2379`,
      );
    }
    return hp;
  });
  const prefix = optional(env, "ETCD_PREFIX") ?? DEFAULT_ETCD_PREFIX;
  if (!ETCD_PREFIX.test(prefix)) {
    throw new ConfigError(
      `ETCD_PREFIX "${prefix}" is not a key prefix: use /name/ (segments of A-Za-z0-9._-, each ending in /), default ${DEFAULT_ETCD_PREFIX}`,
    );
  }
  if (!secure) {
    for (const name of ETCD_TLS_VARIABLES) {
      if (optional(env, name) !== undefined) {
        throw new ConfigError(
          `${name} is set but CONTROLLER_STORE "${raw}" is plain etcd://: use etcds:// for TLS, or unset ${name}`,
        );
      }
    }
    return { kind: "etcd", endpoints, prefix };
  }
  const caPath = optional(env, "ETCD_CA_PATH");
  if (caPath === undefined) {
    throw new ConfigError(
      `CONTROLLER_STORE "${raw}" uses TLS and needs ETCD_CA_PATH: set it to the CA file that signed the etcd members`,
    );
  }
  const certPath = optional(env, "ETCD_CERT_PATH");
  const keyPath = optional(env, "ETCD_KEY_PATH");
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const [set, unset] = certPath === undefined
      ? ["ETCD_KEY_PATH", "ETCD_CERT_PATH"]
      : ["ETCD_CERT_PATH", "ETCD_KEY_PATH"];
    throw new ConfigError(
      `ETCD_CERT_PATH and ETCD_KEY_PATH go together: ${set} is set but ${unset} is not: set both for a client certificate or neither`,
    );
  }
  const tls: EtcdTlsConfig = { caPath, ...(certPath && keyPath ? { certPath, keyPath } : {}) };
  return { kind: "etcd", endpoints, tls, prefix };
}

/** The variable that chose the state directory (the default is named after CONTROLLER_STATE_DIR). */
function stateDirVariable(env: Env): string {
  return stateDirectoryVariable(env, "CONTROLLER_STATE_DIR");
}

/** Every path the controller's configuration names: the state directory and the `*_FILE` variables. */
export function configuredPaths(env: Env): ConfiguredPath[] {
  const paths: ConfiguredPath[] = [{ name: stateDirVariable(env), path: stateDirFrom(env), access: "write" }];
  for (
    const name of [
      "INTERNAL_CA_CERT_FILE",
      "INTERNAL_CA_KEY_FILE",
      "CA_KEY_ENCRYPTION_KEY_FILE",
      "ADMIN_TLS_CERT_FILE",
      "ADMIN_TLS_KEY_FILE",
      ...ETCD_TLS_VARIABLES,
    ]
  ) {
    const path = optional(env, name);
    const symptom = name.startsWith("INTERNAL_CA_") ? "invalid internal CA" : undefined;
    if (path !== undefined) paths.push({ name, path, ...(symptom ? { symptom } : {}) });
  }
  const sink = optional(env, "EVENTS_SINK");
  if (sink !== undefined && sink !== "-") paths.push({ name: "EVENTS_SINK", path: sink, access: "write" });
  return paths;
}

/** `ADMIN_TLS_CERT_FILE` and `ADMIN_TLS_KEY_FILE`: both or neither (ConfigError naming both). */
export function adminTlsPathsFrom(env: Env): AdminTlsPaths | undefined {
  const certPath = optional(env, "ADMIN_TLS_CERT_FILE");
  const keyPath = optional(env, "ADMIN_TLS_KEY_FILE");
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    const [set, unset] = certPath === undefined
      ? ["ADMIN_TLS_KEY_FILE", "ADMIN_TLS_CERT_FILE"]
      : ["ADMIN_TLS_CERT_FILE", "ADMIN_TLS_KEY_FILE"];
    throw new ConfigError(
      `ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE go together: ${set} is set but ${unset} is not: set both for HTTPS or neither for plain HTTP`,
    );
  }
  return { certPath, keyPath };
}

/** Reads the admin API's certificate and key; an unreadable file is a ConfigError naming it. */
export async function readAdminTls(paths: AdminTlsPaths): Promise<AdminTls> {
  const read = async (name: string, path: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (e) {
      throw new ConfigError(
        `${name}: cannot read "${path}" (${(e as Error).message}): check the path and its permissions`,
      );
    }
  };
  const certPem = await read("ADMIN_TLS_CERT_FILE", paths.certPath);
  const keyPem = await read("ADMIN_TLS_KEY_FILE", paths.keyPath);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new ConfigError(
      `ADMIN_TLS_CERT_FILE: "${paths.certPath}" holds no PEM certificate (${
        (e as Error).message
      }): give the admin API's certificate chain, leaf first`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new ConfigError(
      `ADMIN_TLS_KEY_FILE: "${paths.keyPath}" holds no PEM private key (${
        (e as Error).message
      }): give the key of ADMIN_TLS_CERT_FILE`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ConfigError(
      `ADMIN_TLS_KEY_FILE: "${paths.keyPath}" is not the key of ADMIN_TLS_CERT_FILE "${paths.certPath}": give the matching pair`,
    );
  }
  return { ...paths, certPem, keyPem };
}

/** Everything but the CA and the admin TLS files' contents (synchronous; doctor reports each finding). */
export function parseBaseConfig(env: Env): Omit<ControllerConfig, "caSource" | "ca" | "adminTls"> {
  const checked = configuredPaths(env);
  const absolute = checkRoots("controller", checked);
  const sinkAt = checked.findIndex((p) => p.name === "EVENTS_SINK");
  const eventsSink = sinkAt >= 0 ? absolute[sinkAt] : optional(env, "EVENTS_SINK");
  const trustDomain = trustDomainFrom(env);
  const adminToken = required(
    env,
    "ADMIN_AUTH_TOKEN",
    "set a long random secret, e.g. `openssl rand -hex 32`",
  );
  if (adminToken.length < 16) {
    throw new ConfigError(
      "ADMIN_AUTH_TOKEN is too short: use at least 16 characters, e.g. `openssl rand -hex 32`",
    );
  }
  const heartbeatIntervalMs = durationVar(env, "HEARTBEAT_INTERVAL", "10s");
  const offlineAfterMs = durationVar(env, "OFFLINE_AFTER", "30s");
  if (offlineAfterMs <= heartbeatIntervalMs) {
    throw new ConfigError(
      `OFFLINE_AFTER (${offlineAfterMs} ms) must be longer than HEARTBEAT_INTERVAL (${heartbeatIntervalMs} ms): use about three intervals`,
    );
  }
  const adminTlsPaths = adminTlsPathsFrom(env);
  return {
    trustDomain,
    adminToken,
    adminAddr: hostPort(env, "ADMIN_HTTP_ADDR", DEFAULT_ADMIN_HTTP_ADDR),
    ...(adminTlsPaths ? { adminTlsPaths } : {}),
    grpcAddr: hostPort(env, "CONTROLLER_GRPC_ADDR", ":8443"),
    stateDir: stateDirFrom(env),
    store: storeConfigFrom(env),
    connectorCertTtlMs: durationVar(env, "CONNECTOR_CERT_TTL", "1h"),
    tunnelerCertTtlMs: durationVar(env, "TUNNELER_CERT_TTL", "1h"),
    enrollmentTokenTtlMs: durationVar(env, "ENROLLMENT_TOKEN_TTL", "1h"),
    heartbeatIntervalMs,
    offlineAfterMs,
    renewGraceMs: durationVar(env, "RENEW_GRACE", "7d"),
    eventRetention: eventRetentionFrom(env),
    ...(eventsSink ? { eventsSink } : {}),
    log: loggerOptionsFromEnv(env),
  };
}

/** The store a configuration names: `config.store`, else Deno KV in `config.stateDir`. */
export function storeOf(config: Pick<ControllerConfig, "store" | "stateDir">): StoreConfig {
  return config.store ?? { kind: "kv", stateDir: config.stateDir };
}

/** Parses and validates the whole configuration, loading the CA and the admin TLS files. */
export async function loadConfig(env: Env): Promise<ControllerConfig> {
  const base = parseBaseConfig(env);
  const adminTls = base.adminTlsPaths ? await readAdminTls(base.adminTlsPaths) : undefined;
  const sealingKey = await sealingKeyFor(base.store ?? { kind: "kv" }, env);
  const caSource = await caSourceFrom(env);
  const ca = await loadCaFrom(caSource);
  return { ...base, ...(adminTls ? { adminTls } : {}), ...(sealingKey ? { sealingKey } : {}), caSource, ca };
}
