/**
 * Starts the admin HTTP(S) server: HTTPS when ADMIN_TLS_* are set, a warning when plain HTTP
 * listens beyond loopback, the connection facts the router needs taken from the socket, and the
 * bounds Deno.serve lets us set.
 *
 * Deno.serve (2.9.6) has no option for an idle or header-read timeout: a connection that sends
 * nothing, or half a request head, stays open. What it does bound: a request head larger than
 * about 400 KiB or with more than 100 headers is answered 400 and closed (hyper's limits); the
 * router caps JSON bodies at 1 MiB (413); and here every request must be answered within
 * `requestTimeoutMs` (a body dripped in slowly gets 503 and its connection closed).
 * @module
 */
import type { HostPort } from "../../shared/config/env.ts";
import type { Logger } from "../../shared/log/logger.ts";
import type { AdminTls } from "../config.ts";
import type { Handler } from "./auth.ts";
import { jsonError } from "./http.ts";
import { type AdminTransport, isLoopbackListenHost } from "./transport.ts";

/** How long a request may take until its response starts; default 30 s. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Options of {@link listenAdmin}. */
export interface ListenAdminOptions {
  addr: HostPort;
  /** Serve HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: AdminTls;
  log: Logger;
  /** Default {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
}

/** Starts the admin server; throws `... bind: address already in use` when the port is taken (5.3). */
export function listenAdmin(o: ListenAdminOptions, handler: Handler<AdminTransport>): Deno.HttpServer {
  const { addr, tls, log } = o;
  const timeoutMs = o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const hostname = addr.hostname || "0.0.0.0";
  const secure = tls !== undefined;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve(
      {
        hostname,
        port: addr.port,
        ...(tls ? { cert: tls.certPem, key: tls.keyPem } : {}),
        onListen: () => {},
      },
      (req, info) =>
        withDeadline(timeoutMs, () => handler(req, { tls: secure, remoteAddr: info.remoteAddr })),
    );
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `ADMIN_HTTP_ADDR ${addr.hostname}:${addr.port}: listen tcp: bind: address already in use: stop the other process or set ADMIN_HTTP_ADDR to a free port`,
      );
    }
    throw e;
  }
  if (!secure && !isLoopbackListenHost(hostname)) {
    log.warn(
      "admin API serves plain HTTP beyond loopback: the admin token crosses the network in clear and CA keys are refused; set ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE, or ADMIN_HTTP_ADDR=127.0.0.1:PORT",
      { admin_addr: `${hostname}:${(server.addr as Deno.NetAddr).port}` },
    );
  }
  return server;
}

/** Answers 503 when `run` has not produced a response within `ms`. */
async function withDeadline(ms: number, run: () => Response | Promise<Response>): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Response>((resolve) => {
    timer = setTimeout(() => {
      resolve(jsonError(503, `request not answered within ${ms} ms: send the whole request at once`, {
        connection: "close",
      }));
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), late]);
  } finally {
    clearTimeout(timer);
  }
}
