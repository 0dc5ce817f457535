/**
 * Optional health listener (CONNECTOR_HEALTH_ADDR): /healthz, /readyz (ready only while the
 * control stream is up), /metrics (Prometheus text, with `postern_failures_total{mode}` and the
 * outage budget: since when no controller answers, when the certificate expires).
 * @module
 */
import type { HostPort } from "../shared/config/env.ts";
import type { AgentState } from "../shared/agent/runtime.ts";
import type { TunnelListener } from "./listener.ts";
import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";

/**
 * The failure modes the connector detects, the fixed label set of its `postern_failures_total`:
 * refused peers (2.1 untrusted or no certificate, 2.3 wrong identity, 3.3 not allowed) and
 * control-plane stream resets (3.1: reconnections).
 */
export const CONNECTOR_FAILURE_MODES = [
  "2.1",
  "2.3",
  "3.1",
  "3.3",
] as const satisfies readonly FailureModeId[];

/** Unix seconds of an RFC 3339 time; 0 when there is none. */
function unixSeconds(time: string | Date | undefined): number {
  if (time === undefined) return 0;
  return Math.floor((typeof time === "string" ? Date.parse(time) : time.getTime()) / 1000);
}

/**
 * The outage budget series: since when no controller answers (0 while one does), when the
 * certificate in force expires, and while no controller answers the seconds left until then (0
 * otherwise). Tunnelers with valid certificates are admitted all that time.
 */
export function outageMetrics(state: AgentState, certificateNotAfter: Date, now = Date.now()): string[] {
  const since = state.controllerUnreachableSince;
  const left = since === undefined
    ? 0
    : Math.max(0, Math.floor((certificateNotAfter.getTime() - now) / 1000));
  return [
    "# HELP postern_connector_controller_unreachable_since_seconds Unix time since when no controller of CONTROLLER_ADDR answers; 0 while one does.",
    "# TYPE postern_connector_controller_unreachable_since_seconds gauge",
    `postern_connector_controller_unreachable_since_seconds ${unixSeconds(since)}`,
    "# HELP postern_connector_certificate_expiry_seconds Unix time the connector's certificate in force expires.",
    "# TYPE postern_connector_certificate_expiry_seconds gauge",
    `postern_connector_certificate_expiry_seconds ${unixSeconds(certificateNotAfter)}`,
    "# HELP postern_connector_outage_budget_seconds While no controller answers: seconds until the certificate expires (the outage budget left); 0 otherwise.",
    "# TYPE postern_connector_outage_budget_seconds gauge",
    `postern_connector_outage_budget_seconds ${left}`,
  ];
}

/**
 * Starts the health server; it stops when `signal` aborts. `certificateNotAfter` reads the expiry
 * of the certificate in force (it changes with each renewal).
 */
export function startHealth(
  addr: HostPort,
  state: AgentState,
  listener: TunnelListener,
  signal: AbortSignal,
  certificateNotAfter: () => Date,
): Deno.HttpServer {
  return Deno.serve(
    { hostname: addr.hostname || "0.0.0.0", port: addr.port, signal, onListen: () => {} },
    (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return new Response("ok\n");
      if (path === "/readyz") {
        const ready = state.controlPlane === "connected";
        return new Response(ready ? "ready\n" : `not ready: ${state.controlPlane}\n`, {
          status: ready ? 200 : 503,
        });
      }
      if (path === "/metrics") {
        const s = listener.stats();
        const body = [
          "# TYPE postern_connector_control_plane_connected gauge",
          `postern_connector_control_plane_connected ${state.controlPlane === "connected" ? 1 : 0}`,
          "# TYPE postern_connector_sessions gauge",
          `postern_connector_sessions ${s.sessions}`,
          "# TYPE postern_connector_bytes_in_total counter",
          `postern_connector_bytes_in_total ${s.bytesIn}`,
          "# TYPE postern_connector_bytes_out_total counter",
          `postern_connector_bytes_out_total ${s.bytesOut}`,
          "# TYPE postern_connector_reconnects_total counter",
          `postern_connector_reconnects_total ${state.reconnects}`,
          ...outageMetrics(state, certificateNotAfter()),
          "# HELP postern_failures_total Occurrences of each failure mode of docs/failure-modes.md this connector detects, by id.",
          "# TYPE postern_failures_total counter",
          ...CONNECTOR_FAILURE_MODES.map((mode) =>
            `postern_failures_total{mode="${mode}"} ${
              mode === "3.1" ? state.reconnects : s.failures.get(mode) ?? 0
            }`
          ),
          "",
        ].join("\n");
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      }
      return new Response("not found\n", { status: 404 });
    },
  );
}
