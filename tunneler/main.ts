/**
 * postern-tunneler: enroll, run (heartbeat session through the connector + local forwards),
 * doctor, status.
 * @module
 */
import { runMain } from "../shared/cli/run_main.ts";
import { processEnv } from "../shared/config/env.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { createLogger, loggerOptionsFromEnv } from "../shared/log/logger.ts";
import { enrollMessage, parseAgentArgs, statusCommand, versionText } from "../shared/agent/cli.ts";
import { IdentityStore } from "../shared/agent/identity_store.ts";
import { loadOrEnroll, runAgent } from "../shared/agent/runtime.ts";
import { agentDoctor, printFindings } from "../shared/agent/doctor.ts";
import { runAgentLoop } from "../shared/agent/agent_loop.ts";
import { tunnelerConfig } from "./config.ts";
import { Forwarder } from "./forwards.ts";
import { heartbeatSession } from "./heartbeat.ts";

const HELP = `postern-tunneler: reach private resources through a connector

Usage: postern-tunneler [enroll|run|doctor|status [--json]] [--help] [--version]

  enroll   enroll with ENROLLMENT_TOKEN and store the identity in TUNNELER_STATE_DIR
  run      run (enrolls first when no identity is stored); default
  doctor   check configuration and environment (failure modes by id)
  status   print identity, certificate expiry, trusted CAs and connection state

Environment: CONTROLLER_ADDR, TUNNELER_ID, CONTROLLER_CA_PATH, ENROLLMENT_TOKEN, CONNECTOR_ADDR
(ip:port), TUNNELER_FORWARDS (listen=resource,...), TUNNELER_STATE_DIR, TRUST_DOMAIN, LOG_LEVEL,
LOG_FORMAT`;

async function main(): Promise<number> {
  const args = parseAgentArgs(Deno.args);
  if (args.command === "help") {
    console.log(HELP);
    return 0;
  }
  if (args.command === "version") {
    console.log(versionText("postern-tunneler"));
    return 0;
  }
  const env = processEnv();
  const log = createLogger(loggerOptionsFromEnv(env), { program: "tunneler" });
  if (args.command === "doctor") {
    let cfg;
    try {
      cfg = tunnelerConfig(env);
    } catch (e) {
      return printFindings(await agentDoctor(e as Error, undefined));
    }
    return printFindings(await agentDoctor(cfg, new IdentityStore(cfg.stateDir)));
  }
  if (args.command === "status") {
    const dir = env.TUNNELER_STATE_DIR ?? env.STATE_DIRECTORY ?? "./.postern/tunneler";
    return await statusCommand(new IdentityStore(dir), args.json);
  }
  const cfg = tunnelerConfig(env);
  const store = new IdentityStore(cfg.stateDir);
  if (args.command === "enroll") {
    const { identity, enrolled } = await loadOrEnroll(cfg, store, log);
    console.log(enrollMessage(identity, enrolled, store.dir));
    return 0;
  }
  return await runAgent({
    cfg,
    store,
    log,
    async start(creds, state, signal) {
      const dial = () => ({
        creds,
        trustDomain: cfg.trustDomain,
        host: cfg.connector.hostname,
        port: cfg.connector.port,
      });
      const forwarder = new Forwarder(dial, log);
      await forwarder.start(cfg.forwards);
      const done = runAgentLoop({
        name: "connector session",
        session: (ctx) =>
          heartbeatSession({ dial, creds, state, log, id: cfg.id, totals: () => forwarder.totals() }, ctx),
        signal,
        log,
      });
      return {
        done,
        drain: () => forwarder.close(5_000),
        stats() {
          const t = forwarder.totals();
          return {
            sessions: t.active,
            bytesIn: t.bytesIn,
            bytesOut: t.bytesOut,
            details: {
              connector: `${cfg.connector.hostname}:${cfg.connector.port}`,
              forwards: cfg.forwards.map((f) => f.text),
            },
          };
        },
      };
    },
  });
}

if (import.meta.main) {
  await runMain("postern-tunneler", () =>
    main().catch((e) => {
      if (
        e instanceof TypeError && /unknown subcommand|Unknown option|Unexpected argument/i.test(e.message)
      ) {
        throw new ConfigError(e.message);
      }
      throw e;
    }));
}
