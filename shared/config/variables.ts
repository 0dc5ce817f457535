/**
 * Every environment variable each program reads, so that each runs with `--allow-env` limited to
 * exactly these (deno.json "permissions"; a test keeps the two lists equal). A variable read
 * without being listed here fails loudly with NotCapable under `deno task <program>`.
 * @module
 */

/** Read by every program. `STATE_DIRECTORY` and `CREDENTIALS_DIRECTORY` come from systemd. */
const COMMON = [
  "TRUST_DOMAIN",
  "LOG_LEVEL",
  "LOG_FORMAT",
  "STATE_DIRECTORY",
  "CREDENTIALS_DIRECTORY",
] as const;

/** Read by libraries, not by Postern: grpc-js's tracing and proxy settings. */
export const LIBRARY_VARIABLES = [
  "GRPC_*",
  "grpc_proxy",
  "http_proxy",
  "https_proxy",
  "no_grpc_proxy",
  "no_proxy",
] as const;

const AGENT = ["CONTROLLER_ADDR", "CONTROLLER_CA_PATH", "ENROLLMENT_TOKEN"] as const;

/** The variables of each program (docs/configuration.md explains them). */
export const PROGRAM_VARIABLES = {
  controller: [
    ...COMMON,
    "INTERNAL_CA_CERT",
    "INTERNAL_CA_KEY",
    "INTERNAL_CA_CERT_FILE",
    "INTERNAL_CA_KEY_FILE",
    "CA_KEY_ENCRYPTION_KEY_FILE",
    "ADMIN_AUTH_TOKEN",
    "ADMIN_HTTP_ADDR",
    "ADMIN_TLS_CERT_FILE",
    "ADMIN_TLS_KEY_FILE",
    "CONTROLLER_GRPC_ADDR",
    "CONTROLLER_STATE_DIR",
    "CONTROLLER_STORE",
    "ETCD_PREFIX",
    "ETCD_CA_PATH",
    "ETCD_CERT_PATH",
    "ETCD_KEY_PATH",
    "CONNECTOR_CERT_TTL",
    "TUNNELER_CERT_TTL",
    "ENROLLMENT_TOKEN_TTL",
    "RENEW_GRACE",
    "HEARTBEAT_INTERVAL",
    "OFFLINE_AFTER",
    "EVENTS_RETENTION",
    "EVENTS_MAX",
    "FLOW_EVENTS_RETENTION",
    "FLOW_EVENTS_MAX",
    "EVENTS_SINK",
    "ADMIN_API_URL",
    "ADMIN_CA_PATH",
  ],
  connector: [
    ...COMMON,
    ...AGENT,
    "CONNECTOR_ID",
    "CONNECTOR_PRIVATE_IP",
    "CONNECTOR_LISTEN_ADDR",
    "CONNECTOR_STATE_DIR",
    "CONNECTOR_HEALTH_ADDR",
  ],
  tunneler: [
    ...COMMON,
    ...AGENT,
    "TUNNELER_ID",
    "CONNECTOR_ADDR",
    "TUNNELER_FORWARDS",
    "TUNNELER_STATE_DIR",
  ],
  ui: [
    ...COMMON,
    "ADMIN_API_URL",
    "ADMIN_AUTH_TOKEN",
    "UI_ADDR",
    "UI_ADMIN_PASSWORD",
    "UI_ADMIN_PASSWORD_HASH",
    "UI_SESSION_TTL",
    "UI_CONTROLLER_ADDR",
    "UI_TRUSTED_PROXIES",
    "ADMIN_CA_PATH",
  ],
} as const satisfies Record<string, readonly string[]>;

/** A program of the repository. */
export type ProgramName = keyof typeof PROGRAM_VARIABLES;
