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

/** A running splice. */
export interface Splice {
  /** Bytes written to the plain side so far (they came through the tunnel). */
  readonly bytesToConn: number;
  /** Bytes read from the plain side so far (sent into the tunnel). */
  readonly bytesFromConn: number;
  /** Resolves once both sides are closed, with the first error if there was one. */
  readonly closed: Promise<Error | undefined>;
  /** Closes both sides now. */
  close(error?: Error): void;
}

/** TLS → plain: the TLS reader pauses while more than this is queued for the plain side. */
const QUEUE_HIGH = 1024 * 1024;
/**
 * plain → TLS: read buffers, made when needed and reused once the TLS socket has taken their
 * bytes. The first is small, so that an idle tunnel (a shell, a database session) holds 16 KiB;
 * the others are made only while the tunnel is busy.
 */
const READ_BUFFERS = 8;
const FIRST_READ_BUFFER_BYTES = 16 * 1024;
const READ_BUFFER_BYTES = 64 * 1024;

/** Pipes `tls` ⇄ `conn` until both directions have ended or either side fails. */
export function splice(tls: TLSSocket, conn: Deno.Conn, opts: SpliceOptions = {}): Splice {
  let bytesToConn = 0, bytesFromConn = 0;
  let firstError: Error | undefined;
  let closing = false;
  let toConnDone = false, fromConnDone = false;
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
    tlsEnded = true;
    if (!writing) void writeQueue();
  });
  tls.on("error", (e: Error) => close(e));
  // A TLS socket closed without an error (both directions done): what is queued still goes out.
  tls.once("close", () => {
    fromConnDone = true;
    if (toConnDone || !tlsEnded) close();
  });

  // plain → TLS. A buffer goes back to the pool when the TLS socket has taken its bytes.
  const free: Uint8Array[] = [new Uint8Array(FIRST_READ_BUFFER_BYTES)];
  let made = 1;
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
  (async () => {
    while (!closing && !tls.destroyed) {
      if (!needDrain && free.length === 0 && made < READ_BUFFERS) {
        free.push(new Uint8Array(READ_BUFFER_BYTES));
        made++;
      }
      if (needDrain || free.length === 0) {
        await new Promise<void>((r) => wake = r);
        continue;
      }
      const buffer = free.pop()!;
      const n = await conn.read(buffer);
      if (n === null) {
        // Done once the TLS side has sent everything and its close_notify.
        tls.end(() => {
          fromConnDone = true;
          finishIfDone();
        });
        return;
      }
      bytesFromConn += n;
      needDrain = !tls.write(buffer.subarray(0, n), () => {
        free.push(buffer);
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
