/**
 * A deep accept queue for the controller's gRPC listener.
 *
 * grpc-js listens with Node's default backlog of 511. When thousands of agents connect at once
 * (every agent reconnects within its backoff window after a controller restart), connections
 * arrive faster than a busy controller accepts them; once the queue is full the kernel drops the
 * handshakes' final ACKs and the agents wait on SYN retransmissions (1 s, 3 s, 7 s …) or fail.
 * Measured with `bench/control_plane.ts --n 4000 --rate 400`: 23,763 listen overflows and 20,229
 * SYN retransmissions with 511, none with 4096 (bench/RESULTS.md).
 * @module
 */
import type { Server } from "@grpc/grpc-js";

/** The accept queue asked for; the kernel caps it at `net.core.somaxconn` (4096 by default). */
export const LISTEN_BACKLOG = 4096;

type Listen = (address: unknown, ...rest: unknown[]) => unknown;
interface Http2ServerLike {
  listen: Listen;
}
interface ServerInternals {
  createHttp2Server?: (this: Server, credentials: unknown) => Http2ServerLike;
}

/**
 * Makes every address `server` binds from now on listen with `backlog`. grpc-js offers no option
 * for it: this wraps its (internal) `createHttp2Server`, which creates one HTTP/2 server per bound
 * address and calls `listen(address, callback)` on it. A grpc-js without that method keeps its
 * default; `grpc_listen_backlog_test.ts` reads the real socket's queue size, so that shows there.
 */
export function withListenBacklog<S extends Server>(server: S, backlog = LISTEN_BACKLOG): S {
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  if (typeof create !== "function") return server;
  internals.createHttp2Server = function (credentials) {
    const http2Server = create.call(this, credentials);
    const listen = http2Server.listen;
    http2Server.listen = function (this: Http2ServerLike, address: unknown, ...rest: unknown[]) {
      const withBacklog = typeof address === "object" && address !== null ? { ...address, backlog } : address;
      return listen.call(this, withBacklog, ...rest);
    };
    return http2Server;
  };
  return server;
}
