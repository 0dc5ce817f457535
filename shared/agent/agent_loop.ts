/**
 * The agent loop shared by connector and tunneler: connect, run until the session ends, back
 * off, reconnect; a received message resets the backoff; non-retryable errors end the loop.
 * @module
 */
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { Logger } from "../log/logger.ts";
import { ErrorWithFailureMode } from "../failure_modes/format.ts";
import { logError } from "../log/log_error.ts";

/** An error that must not be retried (revoked identity, refused configuration). */
export class NonRetryableError extends ErrorWithFailureMode {
  override name = "NonRetryableError";
}

/** Sleeps `ms` or until `signal` aborts; injected in tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real sleep: a timer cleared on abort. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** What one session of the loop gets. */
export interface SessionContext {
  /** Call on every received message: resets the backoff. */
  received(): void;
  /** Aborted when the loop stops. */
  signal: AbortSignal;
  /** 1 for the first connection, then counting reconnections. */
  attempt: number;
}

/** Options of {@link runAgentLoop}. */
export interface AgentLoopOptions {
  /** Name in logs, e.g. "control-plane stream". */
  name: string;
  /** Runs one session; resolves when it ended normally, rejects on failure. */
  session: (ctx: SessionContext) => Promise<void>;
  /** Stops the loop. */
  signal: AbortSignal;
  log: Logger;
  /** Whether an error is retried; default: everything but NonRetryableError. */
  retryable?: (error: unknown) => boolean;
  /** Backoff options (cap 30 s by default). */
  backoff?: BackoffOptions;
  /** Injected sleep; default real timers. */
  sleep?: Sleep;
  /**
   * Subscribes to a sign that a retry may now succeed (e.g. renewed credentials): it cuts the
   * backoff wait short. Returns the unsubscribe function. Default: none.
   */
  wake?: (listener: () => void) => () => void;
}

/**
 * Runs sessions until `signal` aborts (resolves) or a non-retryable error (rejects with it).
 */
export async function runAgentLoop(opts: AgentLoopOptions): Promise<void> {
  const backoff = new Backoff(opts.backoff);
  const sleep = opts.sleep ?? realSleep;
  const retryable = opts.retryable ?? ((e: unknown) => !(e instanceof NonRetryableError));
  let attempt = 0;
  while (!opts.signal.aborted) {
    attempt++;
    try {
      await opts.session({ received: () => backoff.reset(), signal: opts.signal, attempt });
      if (opts.signal.aborted) return;
      opts.log.warn(`${opts.name} ended`);
    } catch (error) {
      if (opts.signal.aborted) return;
      if (!retryable(error)) throw error;
      logError(opts.log, "warn", `${opts.name} failed`, error);
    }
    const delay = backoff.next();
    opts.log.info(`${opts.name} reconnecting`, { delay_ms: delay });
    await wakeableSleep(sleep, delay, opts.signal, opts.wake);
  }
}

/** `sleep`, cut short when `signal` aborts or `wake` fires. */
async function wakeableSleep(
  sleep: Sleep,
  ms: number,
  signal: AbortSignal,
  wake: AgentLoopOptions["wake"],
): Promise<void> {
  if (!wake) return await sleep(ms, signal);
  const cut = new AbortController();
  const onAbort = () => cut.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const unsubscribe = wake(onAbort);
  try {
    await sleep(ms, cut.signal);
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}
