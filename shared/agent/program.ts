/**
 * The command line of an agent program, shared by postern-connector and postern-tunneler:
 * `enroll`, `run` (default), `doctor`, `status [--json]`, `--help`, `--version`, with the
 * contract's exit codes. Each program supplies its configuration parser and its own loops.
 * @module
 */
import { runMain } from "../cli/run_main.ts";
import { ConfigError } from "../config/config_error.ts";
import { type Env, processEnv, stateDirectory } from "../config/env.ts";
import { PROGRAM_VARIABLES } from "../config/variables.ts";
import { createLogger, type Logger, loggerOptionsFromEnv } from "../log/logger.ts";
import { enrollMessage, parseAgentArgs, statusCommand, versionText } from "./cli.ts";
import type { CommonAgentConfig } from "./config.ts";
import { agentDoctor, type Finding, type NetworkChecks, printFindings } from "./doctor.ts";
import { doctorEnv } from "../cli/doctor.ts";
import { checkClockAgainstController, checkControllerReachable } from "./doctor_network.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import { IdentityStore } from "./identity_store.ts";
import { loadOrEnroll, runAgent, type RunAgentOptions } from "./runtime.ts";
import { installHttp2Repairs } from "../repairs/mod.ts";

/** What one agent program adds to the shared command line. */
export interface AgentProgram<C extends CommonAgentConfig> {
  /** "connector" or "tunneler": names the binary, the log field and the state directory variable. */
  role: C["role"];
  /** `--help` text. */
  help: string;
  /** Parses and validates the environment. @throws {ConfigError} naming the variable */
  config(env: Env): C;
  /** The IP SAN to request at enrollment (connectors). */
  privateIp?(cfg: C): string;
  /** Program-specific checks of `doctor` that dial out (the controller is always checked). */
  doctorChecks?(cfg: C, bundle: TrustBundle): Promise<Finding[]>;
  /** Starts the program's loops once the identity is loaded (see RunAgentOptions.start). */
  start(cfg: C, log: Logger): RunAgentOptions["start"];
}

/** Runs the subcommand in `argv`; resolves with the exit code. */
export async function agentCommand<C extends CommonAgentConfig>(
  program: AgentProgram<C>,
  argv: string[],
  env: Env,
): Promise<number> {
  const args = parseAgentArgs(argv);
  if (args.command === "help") {
    console.log(program.help);
    return 0;
  }
  if (args.command === "version") {
    console.log(versionText(`postern-${program.role}`));
    return 0;
  }
  const log = createLogger(loggerOptionsFromEnv(env), { program: program.role });
  if (args.command === "doctor") {
    const loaded = await doctorEnv(env, args.envFile, PROGRAM_VARIABLES[program.role]);
    let cfg: C;
    try {
      cfg = program.config(loaded.env);
    } catch (e) {
      return printFindings([...loaded.findings, ...await agentDoctor(e as Error, undefined)], args.json);
    }
    // Every controller of CONTROLLER_ADDR, in order: each one an agent may move to must work.
    const network: NetworkChecks = async (_common, bundle) => {
      const findings = [];
      for (const address of cfg.controllerAddrs) {
        findings.push(
          await checkControllerReachable(address, bundle, cfg.trustDomain),
          await checkClockAgainstController(address, bundle),
        );
      }
      return [...findings, ...(await program.doctorChecks?.(cfg, bundle) ?? [])];
    };
    const privateIp = program.privateIp?.(cfg);
    const findings = await agentDoctor(
      cfg,
      new IdentityStore(cfg.stateDir),
      network,
      privateIp === undefined ? {} : { privateIp },
    );
    return printFindings([...loaded.findings, ...findings], args.json);
  }
  if (args.command === "status") {
    // status needs no other variable than the state directory.
    const dir = stateDirectory(env, `${program.role.toUpperCase()}_STATE_DIR`, program.role);
    return await statusCommand(new IdentityStore(dir), args.json);
  }
  const cfg = program.config(env);
  const store = new IdentityStore(cfg.stateDir);
  const privateIp = program.privateIp?.(cfg);
  if (args.command === "enroll") {
    const { identity, enrolled } = await loadOrEnroll(cfg, store, log, privateIp);
    console.log(enrollMessage(identity, enrolled, store.dir));
    return 0;
  }
  return await runAgent({
    cfg,
    store,
    log,
    ...(privateIp === undefined ? {} : { privateIp }),
    start: program.start(cfg, log),
  });
}

/**
 * The entry point of an agent program: installs the HTTP/2 repair before any HTTP/2 session
 * (shared/repairs/README.md), runs agentCommand on Deno.args and exits.
 */
export async function runAgentProgram<C extends CommonAgentConfig>(program: AgentProgram<C>): Promise<never> {
  installHttp2Repairs();
  return await runMain(
    `postern-${program.role}`,
    () =>
      agentCommand(program, Deno.args, processEnv(PROGRAM_VARIABLES[program.role])).catch((e) => {
        // Unknown subcommands and flags are configuration errors (exit 2).
        if (
          e instanceof TypeError && /unknown subcommand|Unknown option|Unexpected argument/i.test(e.message)
        ) {
          throw new ConfigError(e.message);
        }
        throw e;
      }),
  );
}
