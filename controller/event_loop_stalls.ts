/**
 * How long the controller's event loop was blocked: a timer that should fire every `tickMs` notes
 * how late it fired. A garbage-collection pause, a long synchronous render or a burst of handshakes
 * shows as one late tick. (`monitorEventLoopDelay` of `node:perf_hooks` records nothing in Deno.)
 * @module
 */
import type { Metrics } from "./metrics.ts";
import type { Logger } from "../shared/log/logger.ts";

/** The thresholds of `postern_event_loop_stalls_total{over}`, seconds. */
export const STALL_THRESHOLDS_S = [0.05, 0.1, 0.2, 0.5, 1] as const;

/** Options of {@link watchEventLoop}. */
export interface EventLoopWatchOptions {
  /** How often the timer is due, ms (default 20). */
  tickMs?: number;
  /** The longest stall is reported over the last one to two windows of this length, ms (default 10 000). */
  windowMs?: number;
  /** The clock (default `performance.now`). */
  now?: () => number;
  /** Where a stall over `warnOverMs` is logged as one `event loop stalled` warn line (default: not logged). */
  log?: Logger;
  /** A stall longer than this is logged, ms (default 200, the target's bound). */
  warnOverMs?: number;
  /** At most one warn line per this many ms; the stalls left unlogged meanwhile are counted in the next (default 1000). */
  warnEveryMs?: number;
}

/** A running watch: stop it on shutdown. */
export interface EventLoopWatch {
  /** The longest stall over the last one to two windows, seconds. */
  recentMaxSeconds(): number;
  /** The longest stall since the watch started, seconds. */
  maxSeconds(): number;
  /** Notes one tick that came `lateMs` late (the timer calls it; tests call it directly). */
  record(lateMs: number): void;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Watches the event loop and exports `postern_event_loop_stall_max_seconds{window}` (`recent`: the
 * last 10–20 s, `start`: since the controller started) and `postern_event_loop_stalls_total{over}`;
 * with `log`, a stall over `warnOverMs` is also one warn line `event loop stalled stall_ms=N`
 * (at most one a `warnEveryMs`; the line says how many were not logged since the last), so that
 * a stall can be placed in time beside the log of what ran.
 */
export function watchEventLoop(metrics: Metrics, opts: EventLoopWatchOptions = {}): EventLoopWatch {
  const tickMs = opts.tickMs ?? 20;
  const windowMs = opts.windowMs ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  let current = 0, previous = 0, all = 0;
  let windowStart = now();
  const warnOverMs = opts.warnOverMs ?? 200;
  const warnEveryMs = opts.warnEveryMs ?? 1000;
  let lastWarn = -Infinity, unlogged = 0;
  const warn = (t: number, lateMs: number) => {
    if (!opts.log || lateMs <= warnOverMs) return;
    if (t - lastWarn < warnEveryMs) {
      unlogged++;
      return;
    }
    lastWarn = t;
    opts.log.warn("event loop stalled", {
      stall_ms: Math.round(lateMs),
      over_ms: warnOverMs,
      ...(unlogged ? { stalls_not_logged: unlogged } : {}),
    });
    unlogged = 0;
  };
  for (const s of STALL_THRESHOLDS_S) metrics.inc("postern_event_loop_stalls_total", { over: String(s) }, 0);
  const record = (lateMs: number) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      previous = t - windowStart >= 2 * windowMs ? 0 : current;
      current = 0;
      windowStart = t;
    }
    const s = Math.max(0, lateMs) / 1000;
    current = Math.max(current, s);
    all = Math.max(all, s);
    for (const over of STALL_THRESHOLDS_S) {
      if (s > over) metrics.inc("postern_event_loop_stalls_total", { over: String(over) });
    }
    warn(t, lateMs);
  };
  let due = now() + tickMs;
  const timer = setInterval(() => {
    const t = now();
    record(t - due);
    due = t + tickMs;
  }, tickMs);
  Deno.unrefTimer(timer);
  const watch: EventLoopWatch = {
    recentMaxSeconds: () => Math.max(current, previous),
    maxSeconds: () => all,
    record,
    stop: () => clearInterval(timer),
  };
  metrics.gauge(
    "postern_event_loop_stall_max_seconds",
    "longest time the event loop was blocked: in the last 10-20 s (window=recent), since start (window=start)",
    () => [[{ window: "recent" }, watch.recentMaxSeconds()], [{ window: "start" }, watch.maxSeconds()]],
  );
  return watch;
}
