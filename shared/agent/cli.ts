/**
 * The command line both agents share: subcommands, --help, --version, status, doctor.
 * @module
 */
import { parseArgs } from "node:util";
import { VERSION } from "../version.ts";
import type { IdentityStore } from "./identity_store.ts";
import { formatStatus, statusReport } from "./status.ts";

/** A parsed command line. */
export interface AgentArgs {
  command: "enroll" | "run" | "doctor" | "status" | "help" | "version";
  json: boolean;
}

/** Parses argv. @throws {TypeError} for an unknown subcommand or flag */
export function parseAgentArgs(argv: string[]): AgentArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
      json: { type: "boolean" },
    },
  });
  if (values.help) return { command: "help", json: false };
  if (values.version) return { command: "version", json: false };
  const cmd = positionals[0] ?? "run";
  if (!["enroll", "run", "doctor", "status", "help", "version"].includes(cmd)) {
    throw new TypeError(`unknown subcommand "${cmd}": use enroll, run, doctor or status (see --help)`);
  }
  return { command: cmd as AgentArgs["command"], json: values.json ?? false };
}

/** `--version` text. */
export function versionText(program: string): string {
  return `${program} ${VERSION}`;
}

/** `status`: prints identity and runtime state; exit 0. */
export async function statusCommand(store: IdentityStore, json: boolean): Promise<number> {
  const report = await statusReport(store);
  console.log(json ? JSON.stringify(report) : formatStatus(report));
  return 0;
}
