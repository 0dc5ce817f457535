/**
 * The one seam for workarounds of Deno and grpc-js behaviour: program code creates TLS servers
 * and connections, and installs the HTTP/2 repair, only through this module, so each workaround
 * is applied everywhere or nowhere and can be deleted in one place. README.md names each upstream
 * issue, the canary test that shows it, and when to delete the workaround.
 * @module
 */
import tls from "node:tls";
import { repairTlsFlow } from "./tls_flow.ts";
import { repairHttp2SessionDestroy } from "./http2_destroy.ts";

export { isTlsFlowRepaired } from "./tls_flow.ts";
export { LISTEN_BACKLOG, withListenBacklog } from "./grpc_listen_backlog.ts";

/**
 * `tls.createServer()` whose every secure connection gets the node:tls flow repair (backpressure,
 * end-of-stream) before `onSecure` sees it.
 */
export function createTlsServer(
  options: tls.TlsOptions,
  onSecure: (socket: tls.TLSSocket) => void,
): tls.Server {
  return tls.createServer(options, (socket) => {
    repairTlsFlow(socket);
    onSecure(socket);
  });
}

/**
 * `tls.connect()` whose socket gets the node:tls flow repair when its handshake completes, before
 * any `secureConnect` listener the caller adds.
 */
export function connectTls(options: tls.ConnectionOptions): tls.TLSSocket {
  const socket = tls.connect(options);
  socket.once("secureConnect", () => repairTlsFlow(socket));
  return socket;
}

/**
 * Installs the node:http2 session repair (denoland/deno#36788) once per process; later calls do
 * nothing. Each program's entry calls it first (controller/main.ts, the agents' runAgentProgram()); the gRPC credential builders call it too, so
 * in-process servers and clients (tests, benchmarks) have it before their first HTTP/2 session.
 */
export function installHttp2Repairs(): void {
  repairHttp2SessionDestroy();
}
