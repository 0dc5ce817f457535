/**
 * Where the admin commands find the admin API and as whom they call it: ADMIN_API_URL (default
 * http://127.0.0.1:8080), ADMIN_AUTH_TOKEN (the bootstrap token or an API key), ADMIN_CA_PATH
 * (PEM CA bundle for an https:// URL). Mistakes are ConfigErrors (exit 2).
 * @module
 */
import { checkRoots } from "../../shared/config/roots.ts";
import { AdminClient } from "../../shared/admin/client.ts";
import { ConfigError } from "../../shared/config/config_error.ts";
import { type Env, optional } from "../../shared/config/env.ts";

/** The default ADMIN_API_URL: the controller's default ADMIN_HTTP_ADDR. */
export const DEFAULT_ADMIN_API_URL = "http://127.0.0.1:8080";

/** The admin client `env` describes. */
export function adminClientFromEnv(env: Env): AdminClient {
  const text = optional(env, "ADMIN_API_URL") ?? DEFAULT_ADMIN_API_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`invalid ADMIN_API_URL "${text}": use http://host:port or https://host:port`);
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.pathname !== "/"
  ) {
    throw new ConfigError(`invalid ADMIN_API_URL "${text}": use http://host:port or https://host:port`);
  }
  const token = optional(env, "ADMIN_AUTH_TOKEN");
  if (token === undefined) {
    throw new ConfigError(
      "ADMIN_AUTH_TOKEN is not set: export the controller's ADMIN_AUTH_TOKEN or an API key (api-keys create)",
    );
  }
  const caPath = optional(env, "ADMIN_CA_PATH");
  let caCerts: string[] | undefined;
  if (caPath !== undefined) {
    checkRoots("controller", [{ name: "ADMIN_CA_PATH", path: caPath }]);
    try {
      caCerts = [Deno.readTextFileSync(caPath)];
    } catch (e) {
      throw new ConfigError(`cannot read ADMIN_CA_PATH "${caPath}": ${(e as Error).message}`);
    }
  }
  return new AdminClient({ baseUrl: url.origin, token, ...(caCerts ? { caCerts } : {}) });
}
