/**
 * Optional health listener (CONNECTOR_HEALTH_ADDR): /healthz, /readyz (ready only while the
 * control stream is up), /metrics (Prometheus text).
 * @module
 */
import type { HostPort } from "../shared/config/env.ts";
import type { AgentState } from "../shared/agent/runtime.ts";
import type { TunnelListener } from "./listener.ts";

/** Starts the health server; it stops when `signal` aborts. */
export function startHealth(
  addr: HostPort,
  state: AgentState,
  listener: TunnelListener,
  signal: AbortSignal,
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
          "",
        ].join("\n");
        return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } });
      }
      return new Response("not found\n", { status: 404 });
    },
  );
}
