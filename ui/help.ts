/**
 * `postern-ui --help` and `--version`: answered before any configuration is read or any port is
 * bound, so that they work on a host where the UI is not configured yet.
 * @module
 */
import { VERSION } from "../shared/version.ts";

/** The usage text of `postern-ui --help`. */
export const UI_HELP = `postern-ui ${VERSION}: the Postern admin site (talks to the controller's admin API)

Usage:
  postern-ui                 serve the admin site (configuration from the environment)
  postern-ui --help | --version

Environment: ADMIN_API_URL and ADMIN_AUTH_TOKEN (required: the controller's admin API and its token),
UI_ADMIN_PASSWORD or UI_ADMIN_PASSWORD_HASH (required; make a hash with deno run ui/hash_password.ts),
UI_ADDR (:3000), UI_SESSION_TTL, UI_TRUSTED_PROXIES, UI_CONTROLLER_ADDR, ADMIN_CA_PATH,
TRUST_DOMAIN, LOG_LEVEL, LOG_FORMAT.`;

/** The text to print for `args` (`--help`/`-h` or `--version`), or undefined: run the server. */
export function helpOrVersion(args: readonly string[]): string | undefined {
  if (args.includes("--help") || args.includes("-h")) return UI_HELP;
  if (args.includes("--version")) return `postern-ui ${VERSION}`;
  return undefined;
}
