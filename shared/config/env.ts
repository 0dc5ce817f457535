import { ConfigError } from "./config_error.ts";
import { type HostPort, parseHostPort } from "../net/host_port.ts";

export { formatHostPort, type HostPort, parseHostPort } from "../net/host_port.ts";

/** Reads variables from a plain record so tests and programs share the same parsing. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The variables `names` of the process environment as a plain record. Reading only these keeps
 * each program within its `--allow-env` list (see variables.ts).
 */
export function processEnv(names: readonly string[]): Env {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The value of `name`, trimmed, or undefined when unset or blank. */
export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The value of `name`; a missing value is a ConfigError that names the variable and the fix. */
export function required(env: Env, name: string, hint = ""): string {
  const value = optional(env, name);
  if (value === undefined) {
    throw new ConfigError(
      `${name} is required${hint ? `: ${hint}` : ""}`,
    );
  }
  return value;
}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses `90s`, `15m`, `1h` (and `ms`) into milliseconds; throws RangeError on anything else. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `invalid duration "${text}": use a whole number with s, m or h, e.g. 30s, 15m, 1h`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) {
    throw new RangeError(
      `invalid duration "${text}": it must be greater than zero`,
    );
  }
  return ms;
}

/** A duration variable with a default, in milliseconds; errors name the variable. */
export function duration(env: Env, name: string, fallback: string): number {
  const text = optional(env, name) ?? fallback;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/**
 * The state directory of a program: `explicit` (e.g. CONNECTOR_STATE_DIR) when set, else the first
 * entry of systemd's colon-separated `$STATE_DIRECTORY`, else `./.postern/<role>`.
 */
export function stateDirectory(env: Env, explicit: string, role: string): string {
  return optional(env, explicit) ?? (optional(env, "STATE_DIRECTORY")?.split(":")[0] || `./.postern/${role}`);
}

/**
 * The variable that chose {@link stateDirectory}: `explicit`, or `STATE_DIRECTORY` when only
 * systemd's is set (errors about the directory name it; the built-in default is named `explicit`).
 */
export function stateDirectoryVariable(env: Env, explicit: string): string {
  return optional(env, explicit) === undefined && optional(env, "STATE_DIRECTORY")
    ? "STATE_DIRECTORY"
    : explicit;
}

/** An address variable with a default; errors name the variable. */
export function hostPort(env: Env, name: string, fallback?: string): HostPort {
  const text = fallback === undefined ? required(env, name) : optional(env, name) ?? fallback;
  try {
    return parseHostPort(text);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}
