/**
 * The controller's own SVID `spiffe://<td>/controller/<name>`, issued by its signing CA and
 * renewed by the one renewal scheduler, swapped into the SvidSource without dropping streams.
 * @module
 */
import type { SvidSource } from "../shared/grpc/svid_source.ts";
import { createCsr } from "../shared/pki/csr.ts";
import { issueSvid } from "../shared/pki/issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../shared/pki/keys.ts";
import { formatSpiffeId, validateAgentId } from "../shared/pki/spiffe_id.ts";
import {
  EarlyRenewal,
  runRenewalSchedule,
  type ScheduleOptions,
  type Validity,
} from "../shared/renewal/schedule.ts";
import type { OpenedContext } from "./open.ts";

/** Lifetime of the controller's own certificate. */
export const OWN_TTL_MS = 24 * 3_600_000;

/** The controller's name: the host name when it is a valid id, else "controller". */
export function controllerName(): string {
  try {
    return validateAgentId(Deno.hostname().split(".")[0] ?? "");
  } catch {
    return "controller";
  }
}

/** The validity of the own SVID in use. */
export type OwnSvidValidity = Validity;

/** Issues a fresh own SVID and installs it with the current bundle; returns its validity. */
export async function refreshOwnSvid(
  ctx: OpenedContext,
  source: SvidSource,
  name: string,
): Promise<OwnSvidValidity> {
  const keys = await generateKeyPair();
  const issued = await issueSvid(ctx.ca.signing, {
    csrPem: await createCsr(keys),
    spiffeId: formatSpiffeId(ctx.settings.trustDomain, "controller", name),
    ipSans: ["127.0.0.1", "::1"],
    dnsSans: ["localhost"],
    ttlMs: OWN_TTL_MS,
  });
  source.update({
    svid: { certPem: issued.certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) },
    bundlePem: ctx.ca.bundle.toPem(),
  });
  ctx.setOwnExpiry(issued.notAfter);
  return { notBefore: issued.notBefore, notAfter: issued.notAfter };
}

/** Options of {@link keepOwnSvidFresh} (the scheduler's clock and sleep, for tests). */
export type OwnSvidScheduleOptions = Pick<ScheduleOptions<Validity>, "now" | "sleep" | "random">;

/**
 * Keeps the own SVID fresh with the one renewal scheduler (shared/renewal/schedule.ts): renews
 * once less than a third of its lifetime remains, counted from when it was issued, retries with
 * backoff, and reissues at once (and reschedules from the new certificate) after `reissue()`,
 * which the CA calls when it changes. `stop()` ends the schedule.
 */
export function keepOwnSvidFresh(
  ctx: OpenedContext,
  source: SvidSource,
  name: string,
  first: { validity: OwnSvidValidity; issuedAt: number },
  options: OwnSvidScheduleOptions = {},
): { reissue: () => void; stop: () => void; done: Promise<void> } {
  let own = first.validity;
  const stopping = new AbortController();
  const reissue = new EarlyRenewal(0, options.now);
  const done = runRenewalSchedule({
    current: () => own,
    issuedAt: first.issuedAt,
    renew: async () => own = await refreshOwnSvid(ctx, source, name),
    onRenewed: (v) => ctx.log.info("controller certificate renewed", { not_after: v.notAfter.toISOString() }),
    onFailed: (error, _v, retryInMs) =>
      ctx.log.error("cannot renew the controller certificate", { error, retry_in_ms: retryInMs }),
    early: reissue,
    onEarly: () => ctx.log.info("reissuing the controller certificate: the CA changed"),
    signal: stopping.signal,
    ...options,
  }).catch((e) => ctx.log.error("controller certificate renewal stopped", { error: e }));
  return { reissue: () => void reissue.request(), stop: () => stopping.abort(), done };
}
