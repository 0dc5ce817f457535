/**
 * Works around two faults of Deno 2.9's native `node:tls` socket (TLSWrap over a TCPWrap),
 * found on the data path and reproduced by this module's tests:
 *
 * 1. No backpressure: pausing a TLS socket stops the TLS layer, but the TCP handle below
 *    keeps reading and the TLS layer buffers whatever arrives. A peer that sends faster than
 *    we forward fills our memory (600 MiB in 2 s in the test). Here the TCP handle is stopped
 *    and restarted with the TLS layer, so the sender's TCP window closes as it should.
 * 2. Lost end-of-stream: when the TCP FIN arrives while the TLS layer still holds data for a
 *    paused reader, that data is delivered on resume but `end` never is. Here the EOF is
 *    delivered once the reader runs again and nothing is left; an EOF the runtime delivers
 *    itself is not repeated (a second `push(null)` is a no-op).
 *
 * Both rely on the handle's internal methods; when they are missing (another runtime or a
 * later Deno that changed them) the socket is left as it is.
 * @module
 */
import type { TLSSocket } from "node:tls";

/** libuv's UV_EOF, the nread value the socket's onread takes as end-of-stream. */
const UV_EOF = -4095;

interface StreamHandle {
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

interface TlsHandle extends StreamHandle {
  _parent?: StreamHandle;
  emitEof(): unknown;
  onread(buffer: unknown, nread?: number): unknown;
}

/** Sockets the repair was installed on. */
const repaired = new WeakSet<TLSSocket>();

/** Whether {@link repairTlsFlow} repaired this socket (false: it lacked the internals). */
export function isTlsFlowRepaired(socket: TLSSocket): boolean {
  return repaired.has(socket);
}

/**
 * Installs both repairs on an established TLS socket (after `secureConnect` or in the
 * server's connection callback). Returns false when the socket does not have the internals
 * this relies on and was left unchanged.
 */
export function repairTlsFlow(socket: TLSSocket): boolean {
  const handle = (socket as unknown as { _handle?: TlsHandle })._handle;
  const state = (socket as unknown as { _readableState?: { ended: boolean } })._readableState;
  const tcp = handle?._parent;
  if (
    !handle || !state || !tcp || (tcp as unknown) === handle ||
    typeof handle.emitEof !== "function" || typeof handle.onread !== "function" ||
    typeof handle.readStart !== "function" || typeof handle.readStop !== "function" ||
    typeof tcp.readStart !== "function" || typeof tcp.readStop !== "function"
  ) {
    return false;
  }
  const { readStart, readStop, emitEof, onread } = handle;
  let tcpStopped = false;
  let eofArrived = false;

  // Deliver end-of-stream ourselves once the reader runs and the TLS layer has flushed what it
  // held (readStart delivers that synchronously); a macrotask later nothing else is pending.
  const deliverEofWhenDrained = () =>
    setTimeout(() => {
      if (!state.ended && !socket.destroyed && handle.reading) onread.call(handle, undefined, UV_EOF);
    }, 0);

  handle.readStop = function () {
    const result = readStop.call(handle);
    if (!eofArrived && !tcpStopped) {
      tcpStopped = true;
      tcp.readStop();
    }
    return result;
  };
  handle.readStart = function () {
    const result = readStart.call(handle);
    if (tcpStopped && !eofArrived) {
      tcpStopped = false;
      tcp.readStart();
    }
    if (eofArrived) deliverEofWhenDrained();
    return result;
  };
  handle.emitEof = function () {
    eofArrived = true;
    const result = emitEof.call(handle);
    deliverEofWhenDrained();
    return result;
  };
  repaired.add(socket);
  return true;
}
