/**
 * postern-connector: enroll, run (control-plane stream + tunneler listener), doctor, status.
 * @module
 */
import { runAgentLoop } from "../shared/agent/agent_loop.ts";
import { type ConnectorConfig, connectorConfig } from "./config.ts";
import { runAgentProgram } from "../shared/agent/program.ts";
import { TunnelListener } from "./listener.ts";
import { ControlPlane } from "./control.ts";
import { AuditQueue } from "./audit.ts";
import { ConnectorPolicy } from "./policy.ts";
import { startHealth } from "./health.ts";
import { agentHelp } from "../shared/agent/cli.ts";
import { DEFAULT_CONNECTOR_PORT } from "../shared/net/ports.ts";

const HELP = agentHelp(
  "connector",
  "the door to one private network",
  `CONTROLLER_ADDR, CONNECTOR_ID, CONTROLLER_CA_PATH, ENROLLMENT_TOKEN,
CONNECTOR_PRIVATE_IP, CONNECTOR_LISTEN_ADDR (:${DEFAULT_CONNECTOR_PORT}), CONNECTOR_STATE_DIR, CONNECTOR_HEALTH_ADDR,
TRUST_DOMAIN, LOG_LEVEL, LOG_FORMAT`,
);

if (import.meta.main) {
  await runAgentProgram<ConnectorConfig>({
    role: "connector",
    help: HELP,
    config: connectorConfig,
    privateIp: (cfg) => cfg.privateIp,
    start: (cfg, log) => async (creds, state, signal, renewSoon) => {
      const policy = new ConnectorPolicy({ log });
      const listener = new TunnelListener({ creds, trustDomain: cfg.trustDomain, log, policy });
      let port: number;
      try {
        port = await listener.listen(cfg.listen.hostname, cfg.listen.port);
      } catch (e) {
        throw new Error(
          `cannot listen on CONNECTOR_LISTEN_ADDR ${cfg.listen.hostname}:${cfg.listen.port}: ${
            (e as Error).message
          }`,
        );
      }
      log.info("listening for tunnelers", {
        addr: `${cfg.listen.hostname || "0.0.0.0"}:${port}`,
        private_ip: cfg.privateIp,
      });
      const audit = new AuditQueue();
      listener.onTunnelEvent((e) => audit.push(e));
      const cp = new ControlPlane({
        audit,
        trustDomain: cfg.trustDomain,
        creds,
        policy,
        stats: () => listener.stats(),
        state,
        log,
        privateIp: cfg.privateIp,
        renewSoon,
      });
      listener.onTunnelerHeartbeat((hb) => cp.relay(hb));
      const health = cfg.health
        ? startHealth(cfg.health, state, listener, signal, () => creds.svid.notAfter)
        : undefined;
      const done = runAgentLoop({
        name: "control-plane stream",
        session: (ctx) => cp.session(ctx),
        signal,
        log,
        // After one controller fails the next is tried within the same jittered delay.
        backoff: { perRound: cfg.controllerAddrs.length },
        // A renewal (e.g. the first after the controller was away past expiry) retries at once.
        wake: (listener) => creds.onChange(() => listener()),
      });
      return {
        done,
        async drain() {
          await listener.close(5_000);
          cp.close();
          await health?.finished;
        },
        stats() {
          const s = listener.stats();
          return {
            sessions: s.sessions,
            bytesIn: s.bytesIn,
            bytesOut: s.bytesOut,
            details: { listen_port: port, private_ip: cfg.privateIp },
          };
        },
      };
    },
  });
}
