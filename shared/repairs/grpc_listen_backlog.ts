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
import { onEachHttp2Server } from "./http2_servers.ts";

/** The accept queue asked for; the kernel caps it at `net.core.somaxconn` (4096 by default). */
export const LISTEN_BACKLOG = 4096;

type Listen = (address: unknown, ...rest: unknown[]) => unknown;

/**
 * Makes every address `server` binds from now on listen with `backlog`. grpc-js offers no option
 * for it: through {@link onEachHttp2Server}, each HTTP/2 server's `listen(address, callback)` gets
 * the backlog added to its address object.
 */
export function withListenBacklog<S extends Server>(server: S, backlog = LISTEN_BACKLOG): S {
  return onEachHttp2Server(server, (h2) => {
    const target = h2 as unknown as { listen: Listen };
    const listen = target.listen;
    target.listen = function (this: unknown, address: unknown, ...rest: unknown[]) {
      const withBacklog = typeof address === "object" && address !== null ? { ...address, backlog } : address;
      return listen.call(this, withBacklog, ...rest);
    };
  });
}
