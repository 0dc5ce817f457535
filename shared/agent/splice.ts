/**
 * Joins two sockets: bytes both ways with backpressure (stream.pipe pauses the reader while
 * the writer is full), half-close (an 'end' on one side ends the other's writable side; both
 * sockets are allowHalfOpen) and an idle timeout. No per-chunk work beyond pipe itself.
 * @module
 */
import type { Socket } from "node:net";

/** Options of {@link splice}. */
export interface SpliceOptions {
  /** Close both after this long without traffic in either direction; default 0 (never). */
  idleTimeoutMs?: number;
  /** Called once when both sockets are closed, with the first error if any. */
  onClose?: (error?: Error) => void;
}

/** Pipes `a` ⇄ `b` until both directions have ended or one side fails. */
export function splice(a: Socket, b: Socket, opts: SpliceOptions = {}): void {
  let firstError: Error | undefined;
  let closed = 0;
  const fail = (e: Error) => {
    firstError ??= e;
    a.destroy();
    b.destroy();
  };
  const onClosed = () => {
    if (++closed === 2) opts.onClose?.(firstError);
  };
  a.on("error", fail);
  b.on("error", fail);
  a.once("close", onClosed);
  b.once("close", onClosed);
  // When one side has been fully closed (both directions), tear down the other.
  a.once("close", () => b.end());
  b.once("close", () => a.end());
  if (opts.idleTimeoutMs && opts.idleTimeoutMs > 0) {
    // Either side's timer firing means no traffic on it; reset by activity on both.
    const idle = () => fail(new Error(`idle for ${opts.idleTimeoutMs} ms`));
    a.setTimeout(opts.idleTimeoutMs, idle);
    b.setTimeout(opts.idleTimeoutMs, idle);
  }
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
  // Safety net: a reader paused by pipe() for backpressure whose writer has nothing left to
  // write is resumed. Under load a transfer through Deno's node:tls once sat still with the
  // TLS side paused and the plain side empty (no 'drain' came); this restarts it.
  const watchdog = setInterval(() => {
    for (const [src, dst] of [[a, b], [b, a]] as const) {
      if (src.isPaused() && !src.destroyed && dst.writableLength === 0 && !dst.writableEnded) src.resume();
    }
  }, WATCHDOG_MS);
  let cleared = 0;
  const stopWatchdog = () => {
    if (++cleared === 2) clearInterval(watchdog);
  };
  a.once("close", stopWatchdog);
  b.once("close", stopWatchdog);
}

/** How often splice() checks for a reader left paused with nothing to wait for. */
const WATCHDOG_MS = 1_000;
