/**
 * postern-tunneler: enroll, run (heartbeat session through the connector + local forwards),
 * doctor, status.
 * @module
 */
import type { TrustBundle } from "../shared/pki/bundle.ts";
import { runAgentLoop } from "../shared/agent/agent_loop.ts";
import { type ConnectorTarget, type TunnelerConfig, tunnelerConfig } from "./config.ts";
import { ConnectorChoice } from "./connectors.ts";
import type { DialOptions } from "./dialer.ts";
import { runAgentProgram } from "../shared/agent/program.ts";
import { checkConnectorAdmits, checkConnectorIdentity } from "../shared/agent/doctor_network.ts";
import { IdentityStore } from "../shared/agent/identity_store.ts";
import type { Svid } from "../shared/pki/svid.ts";
import { Forwarder } from "./forwards.ts";
import { heartbeatSession } from "./heartbeat.ts";
import { agentHelp } from "../shared/agent/cli.ts";

const HELP = agentHelp(
  "tunneler",
  "reach private resources through a connector",
  `CONTROLLER_ADDR, TUNNELER_ID, CONTROLLER_CA_PATH, ENROLLMENT_TOKEN, CONNECTOR_ADDR
(connector-id@ip:port), TUNNELER_FORWARDS (listen=resource,...), TUNNELER_STATE_DIR, TRUST_DOMAIN, LOG_LEVEL,
LOG_FORMAT`,
);

/** The stored SVID, for doctor's dial of the connector (which refuses clients without one). */
async function storedSvid(cfg: TunnelerConfig): Promise<Svid | undefined> {
  try {
    return (await new IdentityStore(cfg.stateDir).load()).svid;
  } catch {
    return undefined;
  }
}

/** 3.3, once the tunneler has an identity to present. */
async function admission(cfg: TunnelerConfig, bundle: TrustBundle) {
  const svid = await storedSvid(cfg);
  return svid ? [await checkConnectorAdmits(cfg.connectors[0]!, bundle, cfg.trustDomain, svid, cfg.id)] : [];
}

if (import.meta.main) {
  await runAgentProgram<TunnelerConfig>({
    role: "tunneler",
    help: HELP,
    config: tunnelerConfig,
    doctorChecks: async (cfg, bundle) => [
      await checkConnectorIdentity(cfg.connectors[0]!, bundle, cfg.trustDomain, await storedSvid(cfg)),
      ...await admission(cfg, bundle),
    ],
    start: (cfg, log) => async (creds, state, signal, renewSoon) => {
      // Every connector of CONNECTOR_ADDR, each pinned by its own id; the one in use goes first.
      const choice = new ConnectorChoice(cfg.connectors);
      const byId = new Map(cfg.connectors.map((t) => [t.id, t]));
      const dialTo = (t: ConnectorTarget): DialOptions => ({
        creds,
        trustDomain: cfg.trustDomain,
        connectorId: t.id,
        host: t.hostname,
        port: t.port,
      });
      const forwarder = new Forwarder(() => choice.order().map(dialTo), log, undefined, (d, ok) => {
        const t = byId.get(d.connectorId)!;
        if (ok) choice.worked(t);
        else choice.failed(t);
      });
      await forwarder.start(cfg.forwards);
      const done = runAgentLoop({
        name: "connector session",
        session: async (ctx) => {
          const target = choice.current;
          try {
            await heartbeatSession(
              {
                dial: () => dialTo(target),
                creds,
                state,
                log,
                id: cfg.id,
                totals: () => forwarder.totals(),
                renewSoon,
              },
              ctx,
            );
          } finally {
            if (!signal.aborted) {
              choice.failed(target);
              forwarder.endVia(target.id, "is unreachable (its heartbeat session ended)");
              if (choice.current !== target) {
                log.info("moving to the next connector", {
                  connector: target.id,
                  next_connector: choice.current.id,
                });
              }
            }
          }
        },
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
              connector: choice.current.text,
              connectors: cfg.connectors.map((t) => t.text),
              forwards: cfg.forwards.map((f) => f.text),
            },
          };
        },
      };
    },
  });
}
