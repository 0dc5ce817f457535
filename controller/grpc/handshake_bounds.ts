/**
 * Bounds on the controller's gRPC listener before a caller has proved anything: a TCP connection
 * that has not completed its TLS handshake within `timeoutMs` is destroyed, and at most
 * `maxPending` handshakes are unfinished at once; connections over that are closed on arrival,
 * counted in a rate-limited warn and in `postern_grpc_handshakes_closed_total{reason}`; the
 * handshakes unfinished now are the gauge `postern_grpc_handshakes_pending`.
 *
 * Node's tls server would time a handshake out after its `handshakeTimeout` (default 120 s), but
 * grpc-js passes no such option to `http2.createSecureServer`, and Deno's node:tls leaves a
 * timed-out socket open anyway: the {@link HandshakeGuard} destroys the socket itself.
 * @module
 */
import type { Server } from "@grpc/grpc-js";
import type net from "node:net";
import type { Logger } from "../../shared/log/logger.ts";
import { HandshakeGuard } from "../../shared/tls/handshake_guard.ts";
import type { Metrics } from "../metrics.ts";
import { onEachHttp2Server } from "../../shared/repairs/http2_servers.ts";

/** Bounds on unfinished TLS handshakes of the gRPC listener. */
export interface GrpcHandshakeBounds {
  /** Destroy a connection whose TLS handshake has not completed after this long; default 10 s. */
  timeoutMs: number;
  /** Most unfinished handshakes at once; more are closed on arrival; default 1024. */
  maxPending: number;
}

/**
 * The defaults of {@link GrpcHandshakeBounds}. A handshake takes milliseconds; 1024 leaves room
 * for every agent reconnecting at once after a restart (see listen_backlog.ts) while a flood of
 * silent connections holds at most that many sockets for at most 10 s.
 */
export const GRPC_HANDSHAKE_BOUNDS: GrpcHandshakeBounds = { timeoutMs: 10_000, maxPending: 1024 };

/** The metric counting connections closed by these bounds, by reason ("limit" or "timeout"). */
export const HANDSHAKES_CLOSED_METRIC = "postern_grpc_handshakes_closed_total";

/** Options of {@link withHandshakeBounds}. */
export interface HandshakeBoundsOptions {
  log: Logger;
  metrics: Metrics;
  /** Overrides of {@link GRPC_HANDSHAKE_BOUNDS}. */
  bounds?: Partial<GrpcHandshakeBounds> | undefined;
}

/** Puts every address `server` binds from now on behind the handshake bounds. Returns `server`. */
export function withHandshakeBounds<S extends Server>(server: S, o: HandshakeBoundsOptions): S {
  const b = { ...GRPC_HANDSHAKE_BOUNDS, ...o.bounds };
  for (const reason of ["limit", "timeout"]) o.metrics.inc(HANDSHAKES_CLOSED_METRIC, { reason }, 0);
  const guards = new Set<HandshakeGuard>();
  o.metrics.gauge(
    "postern_grpc_handshakes_pending",
    "gRPC connections whose TLS handshake has not finished yet",
    () => [[{}, [...guards].reduce((n, g) => n + g.pending, 0)]],
  );
  return onEachHttp2Server(server, (h2) => {
    const guard = new HandshakeGuard({
      log: o.log,
      timeoutMs: b.timeoutMs,
      maxPending: b.maxPending,
      onClose: (reason) => o.metrics.inc(HANDSHAKES_CLOSED_METRIC, { reason }),
    });
    h2.on("connection", (raw: net.Socket) => guard.admit(raw));
    h2.on("secureConnection", (tls: net.Socket) => guard.secured(tls));
    guards.add(guard);
    h2.on("close", () => {
      guard.close();
      guards.delete(guard);
    });
  });
}
