/** Configuration of postern-ui, read from the environment and validated before anything starts. */
import { duration, type Env, type HostPort, hostPort, optional } from "../shared/config/env.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { checkRoots } from "../shared/config/roots.ts";
import { TrustBundle } from "../shared/pki/bundle.ts";
import { TrustedProxies } from "./auth/client_address.ts";
import { hashVerifier, type PasswordVerifier, plainVerifier } from "./auth/password.ts";

/** Validated UI configuration. */
export interface UiConfig {
  /** Base URL of the controller's admin API (`ADMIN_API_URL`), without a trailing slash. */
  apiUrl: string;
  /** Bearer token for the admin API (`ADMIN_AUTH_TOKEN`); stays on the server. */
  adminToken: string;
  /** Listen address (`UI_ADDR`, default `:3000`). */
  addr: HostPort;
  /** Checks the operator password (`UI_ADMIN_PASSWORD` or `UI_ADMIN_PASSWORD_HASH`). */
  verifyPassword: PasswordVerifier;
  /** Session lifetime in ms (`UI_SESSION_TTL`, default `8h`). */
  sessionTtlMs: number;
  /**
   * The controller's gRPC address printed in install snippets (`UI_CONTROLLER_ADDR`); undefined:
   * not configured, and the snippets say so instead of guessing one.
   */
  controllerAddr: string | undefined;
  /**
   * PEM certificates of the CA that signs the admin API's HTTPS certificate (`ADMIN_CA_PATH`);
   * undefined: the system's roots.
   */
  adminCaCerts: string[] | undefined;
  /** Reverse proxies whose X-Forwarded-For is believed (`UI_TRUSTED_PROXIES`, default none). */
  trustedProxies: TrustedProxies;
}

/** The 6.2 message: both admin API variables are needed. */
export const MISSING_API_CONFIG = "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured";

/** Parses the UI's environment; throws ConfigError (exit 2) naming what is wrong. */
export function loadConfig(env: Env): UiConfig {
  const adminCaPath = optional(env, "ADMIN_CA_PATH");
  if (adminCaPath !== undefined) checkRoots("ui", [{ name: "ADMIN_CA_PATH", path: adminCaPath }]);
  const apiUrlText = optional(env, "ADMIN_API_URL");
  const adminToken = optional(env, "ADMIN_AUTH_TOKEN");
  if (!apiUrlText || !adminToken) {
    const missing = [!apiUrlText && "ADMIN_API_URL", !adminToken && "ADMIN_AUTH_TOKEN"].filter(Boolean);
    // 6.2: the UI cannot reach any admin endpoint without both.
    throw new ConfigError(
      `${MISSING_API_CONFIG}: set ${
        missing.join(" and ")
      } (e.g. ADMIN_API_URL=http://127.0.0.1:8080 and the controller's ADMIN_AUTH_TOKEN)`,
      { failureMode: "6.2" },
    );
  }
  let apiUrl: URL;
  try {
    apiUrl = new URL(apiUrlText);
    if (apiUrl.protocol !== "http:" && apiUrl.protocol !== "https:") throw new TypeError();
  } catch {
    throw new ConfigError(`ADMIN_API_URL: invalid URL "${apiUrlText}": use e.g. http://127.0.0.1:8080`);
  }
  const plain = optional(env, "UI_ADMIN_PASSWORD");
  const hash = optional(env, "UI_ADMIN_PASSWORD_HASH");
  let verifyPassword: PasswordVerifier;
  if (hash) {
    try {
      verifyPassword = hashVerifier(hash);
    } catch (error) {
      throw new ConfigError(`UI_ADMIN_PASSWORD_HASH: ${(error as Error).message}`);
    }
  } else if (plain) {
    verifyPassword = plainVerifier(plain);
  } else {
    throw new ConfigError(
      'UI_ADMIN_PASSWORD or UI_ADMIN_PASSWORD_HASH is required for operator login: make a hash with "deno run ui/hash_password.ts"',
    );
  }
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = TrustedProxies.parse(optional(env, "UI_TRUSTED_PROXIES"));
  } catch (error) {
    throw new ConfigError(`UI_TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  return {
    apiUrl: apiUrl.href.replace(/\/+$/, ""),
    adminToken,
    addr: hostPort(env, "UI_ADDR", ":3000"),
    verifyPassword,
    sessionTtlMs: duration(env, "UI_SESSION_TTL", "8h"),
    controllerAddr: optional(env, "UI_CONTROLLER_ADDR"),
    adminCaCerts: readAdminCa(adminCaPath),
    trustedProxies,
  };
}

/** Reads `ADMIN_CA_PATH`; throws ConfigError (exit 2) naming the file when it is unreadable or not PEM. */
function readAdminCa(path: string | undefined): string[] | undefined {
  if (!path) return undefined;
  const fix = "point ADMIN_CA_PATH at the PEM file of the CA that signs the admin API's certificate";
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new ConfigError(`ADMIN_CA_PATH: cannot read "${path}": ${(error as Error).message}: ${fix}`);
  }
  try {
    return TrustBundle.fromPem(text).pems();
  } catch (error) {
    throw new ConfigError(`ADMIN_CA_PATH: "${path}": ${(error as Error).message}: ${fix}`);
  }
}
