/**
 * The one poller of the demo and the tests: ask until there is an answer, bounded in time.
 * @module
 */

/** Options of {@link poll}. */
export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between asks. Default 100 ms. */
  everyMs?: number;
  /** Treat a probe that throws as "not yet" (its last error goes into the timeout message). Default false. */
  retryErrors?: boolean;
  /** Appended to the timeout message (e.g. the output of the process waited on). */
  context?: () => string | Promise<string>;
}

/**
 * Calls `probe` every `everyMs` until it returns a value other than undefined, or fails with
 * `timed out after <timeoutMs> ms waiting for <what>` after `timeoutMs`.
 */
export async function poll<T>(what: string, probe: () => Promise<T | undefined>, o: PollOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (!o.retryErrors) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const context = o.context ? await o.context() : "";
      throw new Error(
        `timed out after ${o.timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ""}${context}`,
      );
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 100));
  }
}
