/**
 * Starts the admin HTTP(S) server on the shared HTTP server (shared/http/serve.ts, which bounds
 * idle connections, slow and oversized request heads and TLS handshakes): HTTPS when ADMIN_TLS_*
 * are set, and a warning when plain HTTP listens beyond loopback.
 * @module
 */
import type { HostPort } from "../../shared/config/env.ts";
import type { Logger } from "../../shared/log/logger.ts";
import { HTTP_BOUNDS, type HttpBounds, type HttpServer, serveHttp } from "../../shared/http/serve.ts";
import type { AdminTls } from "../config.ts";
import type { Handler } from "./auth.ts";
import { type AdminTransport, isLoopbackListenHost } from "./transport.ts";

/** Bounds on admin connections (the shared HTTP server's). */
export type AdminBounds = HttpBounds;

/** The defaults of {@link AdminBounds}. */
export const ADMIN_BOUNDS: AdminBounds = HTTP_BOUNDS;

/** Options of {@link listenAdmin}. */
export interface ListenAdminOptions {
  addr: HostPort;
  /** Serve HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: AdminTls;
  log: Logger;
  /** Overrides of {@link ADMIN_BOUNDS}. */
  bounds?: Partial<AdminBounds>;
}

/** A running admin server. */
export type AdminServer = HttpServer;

/** Starts the admin server; rejects with `... bind: address already in use` when the port is taken (5.3). */
export async function listenAdmin(
  o: ListenAdminOptions,
  handler: Handler<AdminTransport>,
): Promise<AdminServer> {
  const server = await serveHttp({
    addr: o.addr,
    addrVariable: "ADMIN_HTTP_ADDR",
    tls: o.tls,
    log: o.log,
    bounds: o.bounds,
    urlHost: "admin.invalid",
  }, handler);
  if (!o.tls && !isLoopbackListenHost(server.hostname)) {
    o.log.warn(
      "admin API serves plain HTTP beyond loopback: the admin token crosses the network in clear and CA keys are refused; set ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE, or ADMIN_HTTP_ADDR=127.0.0.1:PORT",
      { admin_addr: `${server.hostname}:${server.port}` },
    );
  }
  return server;
}
