/**
 * The command line both agents share: subcommands, --help, --version, status, doctor.
 * @module
 */
import { parseArgs } from "node:util";
import { VERSION } from "../version.ts";
import type { IdentityStore, StoredIdentity } from "./identity_store.ts";
import { formatStatus, statusReport } from "./status.ts";

/** A parsed command line. */
export interface AgentArgs {
  command: "enroll" | "run" | "doctor" | "status" | "help" | "version";
  json: boolean;
  /** `doctor --env-file PATH`: read the variables from PATH first (systemd's EnvironmentFile=). */
  envFile?: string;
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
      "env-file": { type: "string" },
    },
  });
  if (values.help) return { command: "help", json: false };
  if (values.version) return { command: "version", json: false };
  const cmd = positionals[0] ?? "run";
  if (!["enroll", "run", "doctor", "status", "help", "version"].includes(cmd)) {
    throw new TypeError(`unknown subcommand "${cmd}": use enroll, run, doctor or status (see --help)`);
  }
  const envFile = values["env-file"];
  return {
    command: cmd as AgentArgs["command"],
    json: values.json ?? false,
    ...(envFile === undefined ? {} : { envFile }),
  };
}

/**
 * The `--help` text of an agent program: its tagline, the subcommands both agents share, and its
 * variables (`environment`, already wrapped).
 */
export function agentHelp(role: "connector" | "tunneler", tagline: string, environment: string): string {
  const stateVar = `${role.toUpperCase()}_STATE_DIR`;
  return `postern-${role}: ${tagline}

Usage: postern-${role} [enroll|run|doctor [--json] [--env-file PATH]|status [--json]] [--help] [--version]

  enroll   enroll with ENROLLMENT_TOKEN and store the identity in ${stateVar}
  run      run (enrolls first when no identity is stored); default
  doctor   check configuration and environment (failure modes by id)
  status   print identity, certificate expiry, trusted CAs and connection state

Environment: ${environment}`;
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

/**
 * What `enroll` prints: the SPIFFE ID and expiry of the new identity, or, when one was already
 * stored (no token is used then), that identity and how to enroll again. Exit 0 either way.
 */
export function enrollMessage(
  identity: StoredIdentity,
  enrolled: boolean,
  stateDir: string,
  now = Date.now(),
): string {
  const id = identity.svid.spiffeId.uri;
  const until = identity.svid.notAfter.toISOString();
  if (enrolled) return `enrolled as ${id}; certificate valid until ${until}; identity stored in ${stateDir}`;
  const validity = identity.svid.notAfter.getTime() > now
    ? `certificate valid until ${until}`
    : `certificate EXPIRED at ${until} (run renews it within RENEW_GRACE)`;
  return `already enrolled as ${id}; ${validity}; identity stored in ${stateDir} (no token used; to enroll again, revoke this identity and remove the state directory)`;
}
