/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

import { failureModeOfError } from "../failure_modes/format.ts";

/**
 * Fields attached to a log line. Never put a token or private key here. A line about one of the
 * documented failure modes carries its id as `failure_mode` (e.g. `"1.3"`); when a call passes
 * an `error` that carries a `failureMode` and no `failure_mode` of its own, the logger adds it.
 */
export type LogFields = Record<string, unknown>;

/** A small structured logger: JSON lines (`LOG_FORMAT=json`) or readable text, on stderr. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

/** Options of createLogger(). */
export interface LoggerOptions {
  /** Lowest level written; default "info". */
  level?: LogLevel;
  /** "json" for JSON lines, else readable text; default "text". */
  format?: "json" | "text";
  /** Where lines go; default stderr. Tests pass an array collector. */
  write?: (line: string) => void;
  /** Clock; default Date.now. */
  now?: () => number;
}

const encoder = new TextEncoder();
function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** Parses LOG_LEVEL / LOG_FORMAT values; unknown values fall back to the defaults. */
export function loggerOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): LoggerOptions {
  const level = env.LOG_LEVEL?.toLowerCase();
  return {
    level: level && level in RANK ? level as LogLevel : "info",
    format: env.LOG_FORMAT?.toLowerCase() === "json" ? "json" : "text",
  };
}

/** Creates a logger; see LoggerOptions for defaults. */
export function createLogger(
  options: LoggerOptions = {},
  base: LogFields = {},
): Logger {
  const min = RANK[options.level ?? "info"];
  const write = options.write ?? writeStderr;
  const now = options.now ?? Date.now;
  const json = options.format === "json";
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const ts = new Date(now()).toISOString();
    const all = withFailureModeField({ ...base, ...fields });
    if (json) {
      write(JSON.stringify({ ts, level, msg, ...all }, jsonSafe));
    } else {
      const extra = Object.entries(all).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
      write(
        `${ts} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`,
      );
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** `fields` with `failure_mode` taken from its `error`, when that carries one and none is set. */
function withFailureModeField(fields: LogFields): LogFields {
  if (fields.failure_mode !== undefined) return fields;
  const id = failureModeOfError(fields.error);
  return id === undefined ? fields : { ...fields, failure_mode: id };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string") {
    return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  }
  return JSON.stringify(value, jsonSafe);
}
