/**
 * What every program's `doctor` shares: the finding, its printing (one line each, or `--json`),
 * the `--json` and `--env-file PATH` flags, and reading an environment file the way systemd's
 * `EnvironmentFile=` does (failure mode 5.1 when it cannot be read).
 * @module
 */
import { parseArgs } from "node:util";
import type { Env } from "../config/env.ts";
import { ConfigError } from "../config/config_error.ts";

/** One finding of `doctor`: a failure-mode id (or a check name), what was seen, and what to do. */
export interface Finding {
  ok: boolean;
  /** A failure-mode id such as `"1.3"`, or a check name such as `"state"`. */
  id: string;
  what: string;
  /** One line: what to do when the check fails ("" when it passed). */
  remedy: string;
}

/** The flags of `doctor`. */
export interface DoctorFlags {
  /** Print the findings as one JSON array. */
  json: boolean;
  /** Read the program's variables from this file first (systemd's EnvironmentFile=). */
  envFile: string | undefined;
}

/** Parses `doctor [--json] [--env-file PATH]`. @throws {ConfigError} for an unknown flag (exit 2) */
export function parseDoctorFlags(argv: string[]): DoctorFlags {
  try {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: "boolean" }, "env-file": { type: "string" } },
    });
    return { json: values.json ?? false, envFile: values["env-file"] };
  } catch (e) {
    throw new ConfigError(`doctor: ${(e as Error).message}: use doctor [--json] [--env-file PATH]`);
  }
}

/**
 * Parses an environment file as systemd reads one: `KEY=VALUE` lines, `#` and `;` comments,
 * blank lines, an optional `export `, values in single or double quotes.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/**
 * The environment `doctor` checks: with `envFile`, the program's variables (`names`) of that file
 * over `env`, as the service would see them; plus a 5.1 finding on the file itself.
 */
export async function doctorEnv(
  env: Env,
  envFile: string | undefined,
  names: readonly string[],
): Promise<{ env: Env; findings: Finding[] }> {
  if (envFile === undefined) return { env, findings: [] };
  let text: string;
  try {
    text = await Deno.readTextFile(envFile);
  } catch (e) {
    const missing = e instanceof Deno.errors.NotFound;
    return {
      env,
      findings: [{
        ok: false,
        id: "5.1",
        what: missing
          ? `${envFile}: Failed to load environment files: No such file or directory`
          : `${envFile}: Failed to load environment files: ${(e as Error).message}`,
        remedy: missing
          ? `create ${envFile} with the program's variables (docs/configuration.md), or fix EnvironmentFile=`
          : `make ${envFile} readable by root (systemd reads it before dropping privileges)`,
      }],
    };
  }
  const fromFile = parseEnvFile(text);
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of names) if (fromFile[name] !== undefined) merged[name] = fromFile[name];
  return {
    env: merged,
    findings: [{ ok: true, id: "5.1", what: `environment file ${envFile} loads`, remedy: "" }],
  };
}

/**
 * Prints findings, `[ok|FAIL] <id> <what> — remedy: ...` one a line or a JSON array with `json`;
 * returns the exit code (1 when one failed).
 */
export function printFindings(
  findings: readonly Finding[],
  json = false,
  write: (line: string) => void = console.log,
): number {
  if (json) write(JSON.stringify(findings));
  else {
    for (const f of findings) {
      write(`[${f.ok ? "ok" : "FAIL"}] ${f.id} ${f.what}${f.ok ? "" : ` — remedy: ${f.remedy}`}`);
    }
  }
  return findings.some((f) => !f.ok) ? 1 : 0;
}

/**
 * The failure-mode id an error carries as typed data: its own `failureMode` field (CaError,
 * PeerVerificationError, TrustDomainError, ...) or that of its `cause`, nearest first. Never
 * read from the message text.
 */
export function failureModeIn(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    const mode = (e as { failureMode?: unknown }).failureMode;
    if (typeof mode === "string") return mode;
    e = e.cause;
  }
  return undefined;
}

/** Whether `error` or one of its causes is an instance of `type`. */
export function causedBy(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof type) return true;
    e = (e as Error).cause;
  }
  return false;
}
