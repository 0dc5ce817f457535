/**
 * Starts the admin HTTP(S) server: HTTPS when ADMIN_TLS_* are set, a warning when plain HTTP
 * listens beyond loopback, the connection facts the router needs taken from the socket, and
 * bounds on what a client may hold open.
 *
 * Built on node:http / node:https rather than Deno.serve: Deno.serve (2.9.6) has no idle or
 * header-read timeout, so a connection that sends nothing, or half a request head, stays open
 * for good (measured: over 200 s). node:http in Deno enforces all of the bounds below.
 * @module
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { HostPort } from "../../shared/config/env.ts";
import type { Logger } from "../../shared/log/logger.ts";
import type { AdminTls } from "../config.ts";
import type { Handler } from "./auth.ts";
import { type AdminTransport, isLoopbackListenHost } from "./transport.ts";
import { FailureModeError } from "../../shared/failure_modes/format.ts";

/** Bounds on admin connections, in milliseconds and bytes. */
export interface AdminBounds {
  /** The whole request head must arrive within this; default 10 s (then 408 and close). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this; default 30 s (then 408 and close). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; default 5 s. */
  keepAliveTimeoutMs: number;
  /** Largest request head; default 16 KiB (then 431 and close). */
  maxHeaderBytes: number;
  /** The TLS handshake must finish within this; default 10 s. */
  handshakeTimeoutMs: number;
  /** How often the timeouts above are checked; default 1 s. */
  checkEveryMs: number;
}

/** The defaults of {@link AdminBounds}. */
export const ADMIN_BOUNDS: AdminBounds = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  handshakeTimeoutMs: 10_000,
  checkEveryMs: 1_000,
};

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
export interface AdminServer {
  /** The port it listens on. */
  port: number;
  /** Stops listening and closes every connection. */
  shutdown(): Promise<void>;
}

/** Starts the admin server; rejects with `... bind: address already in use` when the port is taken (5.3). */
export async function listenAdmin(
  o: ListenAdminOptions,
  handler: Handler<AdminTransport>,
): Promise<AdminServer> {
  const { addr, tls, log } = o;
  const b = { ...ADMIN_BOUNDS, ...o.bounds };
  const hostname = addr.hostname || "0.0.0.0";
  const secure = tls !== undefined;
  const options = {
    maxHeaderSize: b.maxHeaderBytes,
    headersTimeout: b.headersTimeoutMs,
    requestTimeout: b.requestTimeoutMs,
    keepAliveTimeout: b.keepAliveTimeoutMs,
    connectionsCheckingInterval: b.checkEveryMs,
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) =>
    void serveOne(req, res, secure, handler, log);
  const server = tls
    ? https.createServer({
      ...options,
      cert: tls.certPem,
      key: tls.keyPem,
      handshakeTimeout: b.handshakeTimeoutMs,
    }, onRequest)
    : http.createServer(options, onRequest);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") {
        reject(
          new FailureModeError(
            "5.3",
            `bind: address already in use: ADMIN_HTTP_ADDR ${addr.hostname}:${addr.port} is taken; stop the other process or set ADMIN_HTTP_ADDR to a free port`,
          ),
        );
      } else reject(e);
    };
    server.once("error", onError);
    server.listen(addr.port, hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (e) => log.error("admin server error", { error: e }));
  const port = (server.address() as { port: number }).port;
  if (!secure && !isLoopbackListenHost(hostname)) {
    log.warn(
      "admin API serves plain HTTP beyond loopback: the admin token crosses the network in clear and CA keys are refused; set ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE, or ADMIN_HTTP_ADDR=127.0.0.1:PORT",
      { admin_addr: `${hostname}:${port}` },
    );
  }
  return {
    port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Most of an unread request body the server reads and discards after answering (e.g. a 413). */
const DISCARD_LIMIT = 4 * 1024 * 1024;

/**
 * After the response, reads and drops what is left of the request body so the client, still
 * sending, sees the answer; past DISCARD_LIMIT the connection is closed instead.
 */
function discardRest(req: http.IncomingMessage): void {
  if (req.complete) return;
  req.removeAllListeners("data");
  let seen = 0;
  req.on("data", (chunk: Uint8Array) => {
    seen += chunk.length;
    if (seen > DISCARD_LIMIT) req.socket.destroy();
  });
  req.resume();
}

/** The request body as a web stream that reads only as fast as the handler does; cancel stops reading. */
function bodyOf(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      req.on("data", (chunk: Uint8Array) => {
        c.enqueue(new Uint8Array(chunk));
        if ((c.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        try {
          c.close();
        } catch { /* cancelled */ }
      });
      req.once("error", (e) => {
        try {
          c.error(e);
        } catch { /* cancelled */ }
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.removeAllListeners("data");
      req.pause();
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
}

/** The peer of `socket` as a Deno.Addr, from the socket itself. */
function remoteAddrOf(socket: Socket): Deno.NetAddr {
  return { transport: "tcp", hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
}

/** Runs one request through the fetch-style `handler` and writes its response, streaming the body. */
async function serveOne(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  secure: boolean,
  handler: Handler<AdminTransport>,
  log: Logger,
): Promise<void> {
  const closed = new AbortController();
  res.on("close", () => closed.abort());
  res.on("finish", () => discardRest(req));
  let response: Response;
  try {
    // The Host header is the client's: the URL is built on a fixed origin, only path and query count.
    const url = new URL(req.url ?? "/", secure ? "https://admin.invalid" : "http://admin.invalid");
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method ?? "GET",
      headers,
      signal: closed.signal,
      ...(hasBody ? { body: bodyOf(req), duplex: "half" } : {}),
    } as RequestInit);
    response = await handler(request, { tls: secure, remoteAddr: remoteAddrOf(req.socket) });
  } catch (e) {
    log.warn("admin request refused before routing", { error: (e as Error).message });
    response = new Response(JSON.stringify({ error: "malformed request" }), {
      status: 400,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  res.on("close", cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((r) => res.once("drain", r).once("close", r));
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off("close", cancel);
  }
}
