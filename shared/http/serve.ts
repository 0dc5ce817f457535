/**
 * The one HTTP(S) server of Postern's web listeners (the controller's admin API, the UI): a
 * fetch-style handler on node:http / node:https with bounds on what a client may hold open.
 *
 * Built on node:http rather than Deno.serve: Deno.serve (2.9.6) has no idle or header-read
 * timeout, so a connection that sends nothing, or half a request head, stays open for good
 * (measured: over 200 s on the admin API, over 35 s on the UI). node:http in Deno enforces all
 * of {@link HttpBounds}.
 * @module
 */
import { FailureModeError } from "../failure_modes/format.ts";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { HostPort } from "../config/env.ts";
import type { Logger } from "../log/logger.ts";

/** Bounds on connections, in milliseconds and bytes. */
export interface HttpBounds {
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

/** The defaults of {@link HttpBounds}. */
export const HTTP_BOUNDS: HttpBounds = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  handshakeTimeoutMs: 10_000,
  checkEveryMs: 1_000,
};

/** What the handler learns of the connection, from the socket (never from a header). */
export interface HttpConnInfo {
  /** The request arrived over HTTPS. */
  tls: boolean;
  /** The peer's address as the socket reports it. */
  remoteAddr: Deno.NetAddr;
}

/** A fetch-style handler. */
export type HttpHandler = (req: Request, info: HttpConnInfo) => Response | Promise<Response>;

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions {
  addr: HostPort;
  /** The variable `addr` came from, named in errors (e.g. `ADMIN_HTTP_ADDR`). */
  addrVariable: string;
  /** Serve HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: { certPem: string; keyPem: string } | undefined;
  log: Logger;
  /** Overrides of {@link HTTP_BOUNDS}. */
  bounds?: Partial<HttpBounds> | undefined;
  /**
   * Host of the request URLs the handler sees; default `server.invalid`. The Host header is the
   * client's: only path and query of a URL come from the request.
   */
  urlHost?: string;
}

/** A running server. */
export interface HttpServer {
  /** The host it listens on ("0.0.0.0" for every interface). */
  hostname: string;
  /** The port it listens on. */
  port: number;
  /** Stops listening and closes every connection. */
  shutdown(): Promise<void>;
}

/**
 * Starts a server; rejects with `<addrVariable> host:port: listen tcp: bind: address already in
 * use: ...` when the port is taken (failure mode 5.3).
 */
export async function serveHttp(o: ServeHttpOptions, handler: HttpHandler): Promise<HttpServer> {
  const { addr, tls, log } = o;
  const b = { ...HTTP_BOUNDS, ...o.bounds };
  const hostname = addr.hostname || "0.0.0.0";
  const secure = tls !== undefined;
  const origin = `${secure ? "https" : "http"}://${o.urlHost ?? "server.invalid"}`;
  const options = {
    maxHeaderSize: b.maxHeaderBytes,
    headersTimeout: b.headersTimeoutMs,
    requestTimeout: b.requestTimeoutMs,
    keepAliveTimeout: b.keepAliveTimeoutMs,
    connectionsCheckingInterval: b.checkEveryMs,
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) =>
    void serveOne(req, res, { secure, origin, addrVariable: o.addrVariable }, handler, log);
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
            `bind: address already in use: ${o.addrVariable} ${addr.hostname}:${addr.port} is taken; stop the other process or set ${o.addrVariable} to a free port`,
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
  server.on("error", (e) => log.error("http server error", { listen: o.addrVariable, error: e }));
  return {
    hostname,
    port: (server.address() as { port: number }).port,
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

/** The peer of `socket` as a Deno.NetAddr, from the socket itself. */
function remoteAddrOf(socket: Socket): Deno.NetAddr {
  return { transport: "tcp", hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
}

/** Runs one request through the fetch-style `handler` and writes its response, streaming the body. */
async function serveOne(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  conn: { secure: boolean; origin: string; addrVariable: string },
  handler: HttpHandler,
  log: Logger,
): Promise<void> {
  const closed = new AbortController();
  res.on("close", () => closed.abort());
  res.on("finish", () => discardRest(req));
  let response: Response;
  try {
    const url = new URL(req.url ?? "/", conn.origin);
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
    response = await handler(request, { tls: conn.secure, remoteAddr: remoteAddrOf(req.socket) });
  } catch (e) {
    log.warn("http request refused before routing", {
      listen: conn.addrVariable,
      error: (e as Error).message,
    });
    response = new Response(JSON.stringify({ error: "malformed request" }), {
      status: 400,
      headers: { "content-type": "application/json; charset=utf-8" },
    });
  }
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // A streamed answer (server-sent events) may wait long for its first chunk: the client gets
  // the status and headers now.
  res.flushHeaders();
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
