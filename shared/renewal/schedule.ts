/**
 * The one renewal scheduler of Postern, for the agents' SVIDs and the controller's own: renew
 * once less than a third of the lifetime remains (with jitter, so a fleet does not renew in
 * lockstep), keep the current certificate and retry with backoff on failure (failure modes 4.1,
 * 4.2), wake early on request. The clock, sleep and randomness are injected.
 * @module
 */
import { Backoff } from "../agent/backoff.ts";
import { NonRetryableError, realSleep, type Sleep } from "../agent/agent_loop.ts";

/**
 * When to renew `svid`: once less than a third of its lifetime remains, minus up to 5 % jitter.
 *
 * The lifetime counts from `issuedAt` when known: the controller back-dates notBefore by a
 * minute for clock skew, so with short certificates (a few seconds or minutes) notBefore alone
 * would put the renewal at or past expiry (failure mode 4.1) and renew in a hot loop.
 */
export function renewalTime(
  svid: { notBefore: Date; notAfter: Date },
  random: () => number = Math.random,
  issuedAt?: number,
): number {
  const end = svid.notAfter.getTime();
  let start = svid.notBefore.getTime();
  if (issuedAt !== undefined && Number.isFinite(issuedAt)) start = Math.min(Math.max(start, issuedAt), end);
  const life = end - start;
  return start + life * (2 / 3) - life * 0.05 * random();
}

/**
 * Requests to renew before the schedule, e.g. when a connector hints that the controller's bundle
 * changed (the renewal brings the bundle from the controller). At most one request is granted per
 * `minGapMs` (default a minute), so a hostile hint cannot make the agent hammer the controller.
 */
export class EarlyRenewal {
  #last = -Infinity;
  #pending = false;
  #wake: (() => void) | undefined;
  constructor(private readonly minGapMs = 60_000, private readonly now: () => number = Date.now) {}

  /** Asks for a renewal now; returns false (and does nothing) within `minGapMs` of the last one granted. */
  request(): boolean {
    const now = this.now();
    if (now - this.#last < this.minGapMs) return false;
    this.#last = now;
    this.#pending = true;
    this.#wake?.();
    return true;
  }

  /** Sleeps `ms` with `sleep`, cut short by a granted request; true when one was (and it is consumed). */
  async sleep(sleep: Sleep, ms: number, signal: AbortSignal): Promise<boolean> {
    if (!this.#pending) {
      const cut = new AbortController();
      const onAbort = () => cut.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#wake = onAbort;
      try {
        await sleep(ms, cut.signal);
      } finally {
        this.#wake = undefined;
        signal.removeEventListener("abort", onAbort);
      }
    }
    const early = this.#pending;
    this.#pending = false;
    return early;
  }
}

/** What the scheduler reads of a certificate. */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** Options of {@link runRenewalSchedule}. */
export interface ScheduleOptions<T extends Validity> {
  /**
   * The certificate in use now. Compared by identity: one swapped in from outside (SIGHUP
   * reload) counts its lifetime from the moment it is seen, at the latest.
   */
  current: () => T;
  /** When the current certificate was issued, in ms; default its notBefore. */
  issuedAt?: number;
  /** One renewal: obtains and installs the successor, and returns it. */
  renew: () => Promise<T>;
  /** After a renewal (logging). */
  onRenewed?: (next: T) => void;
  /** After a failed renewal that will be retried in `retryInMs` (logging). */
  onFailed: (error: Error, current: T, retryInMs: number) => void;
  /** Early renewal requests; none by default. */
  early?: EarlyRenewal;
  /** When a granted early request cuts the wait short (logging). */
  onEarly?: (current: T) => void;
  signal: AbortSignal;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
}

/** Renews until `signal` aborts; rejects only with a NonRetryableError (e.g. revoked identity). */
export async function runRenewalSchedule<T extends Validity>(opts: ScheduleOptions<T>): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const backoff = new Backoff({ baseMs: 1_000, capMs: 30_000, random });
  const early = opts.early ?? new EarlyRenewal(Infinity);
  let known = opts.current();
  let issuedAt = opts.issuedAt;
  while (!opts.signal.aborted) {
    const current = opts.current();
    if (current !== known) {
      known = current;
      issuedAt = now();
    }
    const wait = renewalTime(current, random, issuedAt) - now();
    if (wait > 0 && await early.sleep(sleep, wait, opts.signal) && !opts.signal.aborted) {
      opts.onEarly?.(current);
    }
    if (opts.signal.aborted) return;
    try {
      const next = await opts.renew();
      known = next;
      issuedAt = now();
      backoff.reset();
      opts.onRenewed?.(next);
    } catch (error) {
      if (error instanceof NonRetryableError) throw error;
      const remaining = current.notAfter.getTime() - now();
      // Before expiry: retry soon enough to renew in time. After it (controller away for long,
      // 4.2 unresolved): the plain capped backoff, never a hot loop against the controller.
      const next = backoff.next();
      const delay = remaining > 0 ? Math.max(50, Math.min(next, remaining / 4)) : Math.max(1_000, next);
      opts.onFailed(error as Error, current, Math.round(delay));
      // A granted early request (e.g. the controller answers the agent again) cuts it short.
      await early.sleep(sleep, delay, opts.signal);
    }
  }
}
