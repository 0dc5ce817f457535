/**
 * postern-tunneler: enroll, run (heartbeat session through the connector + local forwards),
 * doctor, status.
 * @module
 */
import { runAgentLoop } from "../shared/agent/agent_loop.ts";
import { type TunnelerConfig, tunnelerConfig } from "./config.ts";
import { runAgentProgram } from "../shared/agent/program.ts";
import { checkConnectorAdmits, checkConnectorIdentity } from "../shared/agent/doctor_network.ts";
import { IdentityStore } from "../shared/agent/identity_store.ts";
import type { Svid } from "../shared/pki/svid.ts";
import { Forwarder } from "./forwards.ts";
import { heartbeatSession } from "./heartbeat.ts";
import { installHttp2Repairs } from "../shared/repairs/mod.ts";

const HELP = `postern-tunneler: reach private resources through a connector

Usage: postern-tunneler [enroll|run|doctor|status [--json]] [--help] [--version]

  enroll   enroll with ENROLLMENT_TOKEN and store the identity in TUNNELER_STATE_DIR
  run      run (enrolls first when no identity is stored); default
  doctor   check configuration and environment (failure modes by id)
  status   print identity, certificate expiry, trusted CAs and connection state

Environment: CONTROLLER_ADDR, TUNNELER_ID, CONTROLLER_CA_PATH, ENROLLMENT_TOKEN, CONNECTOR_ADDR
(connector-id@ip:port), TUNNELER_FORWARDS (listen=resource,...), TUNNELER_STATE_DIR, TRUST_DOMAIN, LOG_LEVEL,
LOG_FORMAT`;

/** The stored SVID, for doctor's dial of the connector (which refuses clients without one). */
async function storedSvid(cfg: TunnelerConfig): Promise<Svid | undefined> {
  try {
    return (await new IdentityStore(cfg.stateDir).load()).svid;
  } catch {
    return undefined;
  }
}

/** 3.3, once the tunneler has an identity to present. */
async function admission(cfg: TunnelerConfig) {
  const svid = await storedSvid(cfg);
  return svid ? [await checkConnectorAdmits(cfg.connectors[0]!, svid, cfg.id)] : [];
}

if (import.meta.main) {
  installHttp2Repairs(); // before any HTTP/2 session (shared/repairs/README.md)
  await runAgentProgram<TunnelerConfig>({
    role: "tunneler",
    help: HELP,
    config: tunnelerConfig,
    doctorChecks: async (cfg, bundle) => [
      await checkConnectorIdentity(cfg.connectors[0]!, bundle, cfg.trustDomain, await storedSvid(cfg)),
      ...await admission(cfg),
    ],
    start: (cfg, log) => async (creds, state, signal, renewSoon) => {
      // The first connector of CONNECTOR_ADDR; failover across the others is not implemented yet.
      const connector = cfg.connectors[0]!;
      const dial = () => ({
        creds,
        trustDomain: cfg.trustDomain,
        connectorId: connector.id,
        host: connector.hostname,
        port: connector.port,
      });
      const forwarder = new Forwarder(dial, log);
      await forwarder.start(cfg.forwards);
      const done = runAgentLoop({
        name: "connector session",
        session: (ctx) =>
          heartbeatSession(
            { dial, creds, state, log, id: cfg.id, totals: () => forwarder.totals(), renewSoon },
            ctx,
          ),
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
              connector: connector.text,
              forwards: cfg.forwards.map((f) => f.text),
            },
          };
        },
      };
    },
  });
}
