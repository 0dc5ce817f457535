/**
 * The one seam into grpc-js's HTTP/2 servers. grpc-js creates one `http2.Server` per bound address
 * inside its (internal) `createHttp2Server` and offers no option for the listen backlog or for
 * bounds on unfinished TLS handshakes; this wraps that method so callers can adjust each server
 * it creates. A grpc-js without that method leaves the servers as they are: the tests that read
 * the real socket (`listen_backlog_test.ts`, `tests/security/grpc_listener_closes_silent_connections_test.ts`)
 * show it there.
 * @module
 */
import type { Server } from "@grpc/grpc-js";
import type http2 from "node:http2";

interface ServerInternals {
  createHttp2Server?: (this: Server, credentials: unknown) => http2.Http2Server;
}

/**
 * Calls `adjust` on every HTTP/2 server `server` creates from now on (one per bound address),
 * before it listens. Returns `server`.
 */
export function onEachHttp2Server<S extends Server>(server: S, adjust: (h2: http2.Http2Server) => void): S {
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  if (typeof create !== "function") return server;
  internals.createHttp2Server = function (credentials) {
    const h2 = create.call(this, credentials);
    adjust(h2);
    return h2;
  };
  return server;
}
