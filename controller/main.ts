/**
 * postern-controller: `serve` (default), `init-ca --out DIR`, `doctor`, `backup`, `restore`, the admin
 * commands (controller/cli/: `tokens`, `connectors`, … over the admin API), `--help`, `--version`.
 * Wiring only: parse config, build services, start them, handle signals.
 * @module
 */
import { parseArgs } from "node:util";
import { runMain } from "../shared/cli/run_main.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { processEnv } from "../shared/config/env.ts";
import { checkRoots } from "../shared/config/roots.ts";
import { PROGRAM_VARIABLES } from "../shared/config/variables.ts";
import { createLogger } from "../shared/log/logger.ts";
import { VERSION } from "../shared/version.ts";
import { adminHelp, isAdminGroup, runAdmin } from "./cli/main.ts";
import { loadConfig } from "./config.ts";
import { backupCommand, restoreCommand } from "./backup/cli.ts";
import { runDoctor } from "./doctor.ts";
import { parseDoctorFlags } from "../shared/cli/doctor.ts";
import { initCa } from "./init_ca.ts";
import { startController } from "./serve.ts";
import { startEcdsaWorker, stopEcdsaWorker } from "../shared/pki/ecdsa_offload.ts";
import { installHttp2Repairs } from "../shared/repairs/mod.ts";

const HELP = `postern-controller ${VERSION}: the Postern controller (CA, enrollment, control plane, admin API)

Usage:
  postern-controller [serve]          run the controller (configuration from the environment)
  postern-controller init-ca --out DIR   write DIR/ca.crt and DIR/ca.key (never overwrites)
  postern-controller doctor [--json] [--env-file PATH]   check configuration and environment
  postern-controller backup --out FILE (--key-passphrase-file F | --without-ca-key)
                                      write a consistent snapshot of the state (CA keys sealed or left out)
  postern-controller restore --in FILE [--key-passphrase-file F]
                                      load a backup into an empty store (CONTROLLER_STORE)
  postern-controller --help | --version

Admin commands (over the admin API at ADMIN_API_URL, default http://127.0.0.1:8080, as
ADMIN_AUTH_TOKEN or an API key; ADMIN_CA_PATH for https; each takes --help and --json):
${adminHelp()}

Environment: TRUST_DOMAIN, INTERNAL_CA_CERT(_FILE), INTERNAL_CA_KEY(_FILE), ADMIN_AUTH_TOKEN,
ADMIN_HTTP_ADDR (127.0.0.1:8080), ADMIN_TLS_CERT_FILE, ADMIN_TLS_KEY_FILE, CONTROLLER_GRPC_ADDR (:8443),
CONTROLLER_STATE_DIR (mode 0700), CONTROLLER_STORE (Deno KV in CONTROLLER_STATE_DIR; etcd://host:port[,…]
or etcds://…), ETCD_PREFIX (/postern/), ETCD_CA_PATH, ETCD_CERT_PATH, ETCD_KEY_PATH, CONNECTOR_CERT_TTL,
TUNNELER_CERT_TTL, ENROLLMENT_TOKEN_TTL, HEARTBEAT_INTERVAL, OFFLINE_AFTER, RENEW_GRACE (7d),
LOG_LEVEL, LOG_FORMAT.`;

async function main(): Promise<number> {
  if (isAdminGroup(Deno.args[0])) return await runAdmin(Deno.args, processEnv(PROGRAM_VARIABLES.controller));
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { help: { type: "boolean", short: "h" }, version: { type: "boolean" }, out: { type: "string" } },
    allowPositionals: true,
    strict: false,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(`postern-controller ${VERSION}`);
    return 0;
  }
  const command = positionals[0] ?? "serve";
  const env = processEnv(PROGRAM_VARIABLES.controller);
  switch (command) {
    case "init-ca": {
      const out = values.out;
      if (typeof out !== "string" || out === "") throw new ConfigError("init-ca needs --out DIR");
      checkRoots("controller", [{ name: "init-ca --out", path: out, access: "write" }]);
      const { certPath, keyPath } = await initCa(out);
      console.log(`wrote ${certPath} and ${keyPath}`);
      return 0;
    }
    case "doctor":
      return await runDoctor(env, parseDoctorFlags(Deno.args.slice(Deno.args.indexOf("doctor") + 1)));
    case "backup":
      return await backupCommand(commandArgs(command), env);
    case "restore":
      return await restoreCommand(commandArgs(command), env);
    case "serve":
      return await serve(env);
    default:
      throw new ConfigError(
        `unknown command "${command}": use serve, init-ca, doctor, backup, restore, an admin command (tokens, connectors, tunnelers, events, ca, api-keys), --help or --version`,
      );
  }
}

/** The arguments after the subcommand word. */
function commandArgs(command: string): string[] {
  const at = Deno.args.indexOf(command);
  return at < 0 ? [] : Deno.args.slice(at + 1);
}

async function serve(env: Record<string, string | undefined>): Promise<number> {
  const config = await loadConfig(env);
  const log = createLogger(config.log, { program: "postern-controller" });
  // The ECDSA of enrollments and renewals on a worker: the event loop serves the rest meanwhile.
  startEcdsaWorker();
  const running = await startController(config, log);
  const done = Promise.withResolvers<void>();
  const onTerm = () => done.resolve();
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onTerm);
  const onHup = () => void running.reloadCa();
  Deno.addSignalListener("SIGHUP", onHup);
  await done.promise;
  log.info("shutting down");
  await running.stop();
  stopEcdsaWorker();
  log.info("stopped");
  return 0;
}

// The runtime repairs first, before any HTTP/2 session (shared/repairs/README.md).
if (import.meta.main) installHttp2Repairs();
if (import.meta.main) await runMain("postern-controller", main);
