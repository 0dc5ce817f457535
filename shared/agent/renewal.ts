/**
 * The renewal loop: renew once less than a third of the lifetime remains (with jitter, so a
 * fleet does not renew in lockstep), swap atomically, keep the current credentials and retry
 * with backoff on failure (failure modes 4.1, 4.2).
 * @module
 */
import { Backoff } from "./backoff.ts";
import { NonRetryableError, realSleep, type Sleep } from "./agent_loop.ts";
import type { AgentCredentials } from "./credentials.ts";
import type { Svid } from "../pki/svid.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import type { Logger } from "../log/logger.ts";
import { logError } from "../log/log_error.ts";

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

/** Options of {@link runRenewalLoop}. */
export interface RenewalOptions {
  creds: AgentCredentials;
  /** One renewal attempt (see enroll.ts renew()). */
  renewOnce: () => Promise<{ svid: Svid; bundle: TrustBundle }>;
  /** When the current SVID was issued, in ms (the stored renewed_at or enrolled_at); default its notBefore. */
  issuedAt?: number;
  /** Persists renewed credentials (called before the swap is announced). */
  persist: (svid: Svid, bundle: TrustBundle) => Promise<void>;
  /** Early renewal requests (the tunneler's bundle hint); none by default. */
  early?: EarlyRenewal;
  log: Logger;
  signal: AbortSignal;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
}

/** Renews until `signal` aborts; rejects only with a NonRetryableError (e.g. revoked identity). */
export async function runRenewalLoop(opts: RenewalOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const backoff = new Backoff({ baseMs: 1_000, capMs: 30_000, random });
  const early = opts.early ?? new EarlyRenewal(Infinity);
  let known = opts.creds.svid;
  let issuedAt = opts.issuedAt;
  while (!opts.signal.aborted) {
    const current = opts.creds.svid;
    // Swapped from outside (SIGHUP reload): count its lifetime from now, at the latest.
    if (current !== known) {
      known = current;
      issuedAt = now();
    }
    const wait = renewalTime(current, random, issuedAt) - now();
    if (wait > 0 && await early.sleep(sleep, wait, opts.signal) && !opts.signal.aborted) {
      opts.log.info("renewing early: a connector reports a different trust bundle", {
        expires_at: current.notAfter.toISOString(),
      });
    }
    if (opts.signal.aborted) return;
    try {
      const { svid, bundle } = await opts.renewOnce();
      await opts.persist(svid, bundle);
      known = svid;
      issuedAt = now();
      opts.creds.update({ svid, bundle });
      backoff.reset();
      opts.log.info("certificate renewed", {
        spiffe_id: svid.spiffeId.uri,
        not_after: svid.notAfter.toISOString(),
      });
    } catch (error) {
      if (error instanceof NonRetryableError) throw error;
      const remaining = current.notAfter.getTime() - now();
      // Before expiry: retry soon enough to renew in time. After it (controller away for long,
      // 4.2 unresolved): the plain capped backoff, never a hot loop against the controller.
      const next = backoff.next();
      const delay = remaining > 0 ? Math.max(50, Math.min(next, remaining / 4)) : Math.max(1_000, next);
      logError(opts.log, "warn", "certificate renewal failed; keeping the current certificate", error, {
        expires_at: current.notAfter.toISOString(),
        retry_in_ms: Math.round(delay),
      });
      await sleep(delay, opts.signal);
    }
  }
}
