/**
 * Joins a tunnel's TLS socket (node:tls, the only TLS in Deno that shows the peer certificate)
 * to the plain TCP side (Deno.Conn: reads into reused buffers, writes without node's stream
 * layers, which cost about a third of the relay's CPU here). Bytes flow both ways with
 * backpressure, half-close (end-of-stream on one side becomes a write-close on the other) and
 * an idle timeout.
 * @module
 */
import type { TLSSocket } from "node:tls";

/** Options of {@link splice}. */
export interface SpliceOptions {
  /** Close both after this long without traffic in either direction; default 0 (never). */
  idleTimeoutMs?: number;
}

/** The side whose end-of-stream came first: `tls` the tunnel's far end, `conn` the plain side. */
export type SpliceSide = "tls" | "conn";

/** A running splice. */
export interface Splice {
  /** Bytes written to the plain side so far (they came through the tunnel). */
  readonly bytesToConn: number;
  /** Bytes read from the plain side so far (sent into the tunnel). */
  readonly bytesFromConn: number;
  /** Resolves once both sides are closed, with the first error if there was one. */
  readonly closed: Promise<Error | undefined>;
  /**
   * The side that ended first (its end-of-stream), once one did: who closed a tunnel that closed
   * cleanly. Undefined when neither ended (an error, or {@link Splice.close} from outside).
   */
  readonly endedFirst: SpliceSide | undefined;
  /** Closes both sides now. */
  close(error?: Error): void;
}

/** TLS → plain: the TLS reader pauses while more than this is queued for the plain side. */
const QUEUE_HIGH = 1024 * 1024;
/**
 * plain → TLS: a quiet tunnel (a shell, a database session) reads into its own 16 KiB buffer.
 * One whose last read filled its buffer is busy and reads up to 256 KiB at a time, into large
 * buffers from a pool the whole process shares: few large writes cost the TLS layer less
 * than many 64 KiB ones (the tunneler's CPU per GiB fell by a sixth, bench/RESULTS.md). A
 * buffer is reused once the TLS socket has taken its bytes; a tunnel that goes quiet hands its
 * large buffers back, so an idle one holds 16 KiB.
 */
const SMALL_READ_BUFFER_BYTES = 16 * 1024;
const LARGE_READ_BUFFER_BYTES = 256 * 1024;
/** Large buffers one tunnel may have in flight; the pool keeps at most LARGE_BUFFERS_KEPT. */
const LARGE_BUFFERS_PER_TUNNEL = 4;
const LARGE_BUFFERS_KEPT = 16;
const largeBuffers: Uint8Array[] = [];
const takeLargeBuffer = () => largeBuffers.pop() ?? new Uint8Array(LARGE_READ_BUFFER_BYTES);
const returnLargeBuffer = (buffer: Uint8Array) => {
  if (largeBuffers.length < LARGE_BUFFERS_KEPT) largeBuffers.push(buffer);
};

/** Pipes `tls` ⇄ `conn` until both directions have ended or either side fails. */
export function splice(tls: TLSSocket, conn: Deno.Conn, opts: SpliceOptions = {}): Splice {
  let bytesToConn = 0, bytesFromConn = 0;
  let firstError: Error | undefined;
  let closing = false;
  let toConnDone = false, fromConnDone = false;
  let endedFirst: SpliceSide | undefined;
  let resolveClosed!: (e: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => resolveClosed = r);

  const close = (error?: Error) => {
    firstError ??= error;
    if (closing) return;
    closing = true;
    tls.destroy();
    closeQuietly(conn);
    resolveClosed(firstError);
  };
  const finishIfDone = () => {
    if (toConnDone && fromConnDone) close();
  };

  // TLS → plain. Chunks queue here; the TLS reader pauses above QUEUE_HIGH (the TLS socket's
  // own backpressure then holds the tunnel's sender back) and resumes below half of it.
  const queue: Uint8Array[] = [];
  let queued = 0, writing = false, tlsEnded = false;
  const writeQueue = async () => {
    writing = true;
    try {
      while (queue.length > 0 && !closing) {
        const chunk = queue.shift()!;
        for (let off = 0; off < chunk.length;) off += await conn.write(chunk.subarray(off));
        bytesToConn += chunk.length;
        queued -= chunk.length;
        if (tls.isPaused() && queued < QUEUE_HIGH / 2) tls.resume();
      }
      if (tlsEnded && !closing && !toConnDone) {
        toConnDone = true;
        await conn.closeWrite();
        finishIfDone();
      }
    } catch (e) {
      close(e as Error);
    } finally {
      writing = false;
    }
  };
  tls.on("data", (chunk: Uint8Array) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= QUEUE_HIGH) tls.pause();
    if (!writing) void writeQueue();
  });
  tls.once("end", () => {
    if (!closing) endedFirst ??= "tls";
    tlsEnded = true;
    if (!writing) void writeQueue();
  });
  tls.on("error", (e: Error) => close(e));
  // A TLS socket closed without an error (both directions done): what is queued still goes out.
  tls.once("close", () => {
    fromConnDone = true;
    if (toConnDone || !tlsEnded) close();
  });

  // plain → TLS. A buffer is free again once the TLS socket has taken its bytes.
  const small = new Uint8Array(SMALL_READ_BUFFER_BYTES);
  let smallFree = true, largeInFlight = 0, busy = false;
  let needDrain = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  tls.on("drain", () => {
    needDrain = false;
    signal();
  });
  tls.once("close", signal);
  const nextBuffer = (): Uint8Array | undefined => {
    if (busy && largeInFlight < LARGE_BUFFERS_PER_TUNNEL) {
      largeInFlight++;
      return takeLargeBuffer();
    }
    if (smallFree) {
      smallFree = false;
      return small;
    }
    return undefined;
  };
  (async () => {
    while (!closing && !tls.destroyed) {
      const buffer: Uint8Array | undefined = needDrain ? undefined : nextBuffer();
      if (!buffer) {
        await new Promise<void>((r) => wake = r);
        continue;
      }
      const n = await conn.read(buffer);
      if (n === null) {
        if (!closing) endedFirst ??= "conn";
        // Done once the TLS side has sent everything and its close_notify.
        tls.end(() => {
          fromConnDone = true;
          finishIfDone();
        });
        return;
      }
      bytesFromConn += n;
      // A read that did not fill its buffer took all the app had sent: quiet again, so a tunnel
      // left idle after a burst waits on its small buffer.
      busy = n === buffer.length;
      needDrain = !tls.write(buffer.subarray(0, n), () => {
        if (buffer === small) {
          smallFree = true;
        } else {
          largeInFlight--;
          returnLargeBuffer(buffer);
        }
        signal();
      });
    }
  })().catch((e) => close(e as Error));

  if (opts.idleTimeoutMs && opts.idleTimeoutMs > 0) {
    // Every byte either way passes the TLS socket, whose timer both reads and writes reset.
    tls.setTimeout(opts.idleTimeoutMs, () => close(new Error(`idle for ${opts.idleTimeoutMs} ms`)));
  }
  tls.resume();

  return {
    get bytesToConn() {
      return bytesToConn;
    },
    get bytesFromConn() {
      return bytesFromConn;
    },
    get endedFirst() {
      return endedFirst;
    },
    closed,
    close,
  };
}

/** Closes a Deno resource (a connection, a listener) that may be closed already. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch { /* already closed */ }
}
