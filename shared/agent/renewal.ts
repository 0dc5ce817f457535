/**
 * The agents' renewal loop: the one scheduler (shared/renewal/schedule.ts) renewing the agent's
 * SVID through the controller, persisting it before the swap is announced.
 * @module
 */
import { type EarlyRenewal, runRenewalSchedule } from "../renewal/schedule.ts";
import type { Sleep } from "./agent_loop.ts";
import type { AgentCredentials } from "./credentials.ts";
import type { Svid } from "../pki/svid.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import type { Logger } from "../log/logger.ts";
import { logError } from "../log/log_error.ts";
import { FailureModeError } from "../failure_modes/format.ts";

/** A renewal that failed after the certificate expired is failure mode 4.1, unless it names its own. */
function tooLate(error: Error, current: Svid): Error {
  if (
    (error as { failureMode?: unknown }).failureMode !== undefined || current.notAfter.getTime() > Date.now()
  ) {
    return error;
  }
  return new FailureModeError(
    "4.1",
    `renewal too late: the certificate expired at ${current.notAfter.toISOString()}: ${error.message}`,
    {
      cause: error,
    },
  );
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
export function runRenewalLoop(opts: RenewalOptions): Promise<void> {
  const { creds, log } = opts;
  return runRenewalSchedule({
    current: () => creds.svid,
    ...(opts.issuedAt !== undefined ? { issuedAt: opts.issuedAt } : {}),
    renew: async () => {
      const { svid, bundle } = await opts.renewOnce();
      await opts.persist(svid, bundle);
      creds.update({ svid, bundle });
      return svid;
    },
    onRenewed: (svid) =>
      log.info("certificate renewed", {
        spiffe_id: svid.spiffeId.uri,
        not_after: svid.notAfter.toISOString(),
      }),
    onFailed: (error, current, retryInMs) =>
      logError(
        log,
        "warn",
        "certificate renewal failed; keeping the current certificate",
        tooLate(error, current),
        {
          expires_at: current.notAfter.toISOString(),
          retry_in_ms: retryInMs,
        },
      ),
    ...(opts.early ? { early: opts.early } : {}),
    onEarly: (current) =>
      log.info("renewing early: a connector reports a different trust bundle", {
        expires_at: current.notAfter.toISOString(),
      }),
    signal: opts.signal,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
}
