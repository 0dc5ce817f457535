/**
 * The controller's own SVID `spiffe://<td>/controller/<name>`, issued by its signing CA and
 * renewed before expiry (renewalDue), swapped into the SvidSource without dropping streams.
 * @module
 */
import type { SvidSource } from "../shared/grpc/svid_source.ts";
import { createCsr } from "../shared/pki/csr.ts";
import { issueSvid } from "../shared/pki/issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../shared/pki/keys.ts";
import { formatSpiffeId, validateAgentId } from "../shared/pki/spiffe_id.ts";
import { renewalDue } from "../shared/pki/svid.ts";
import type { ControllerContext } from "./context.ts";

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

/** Issues a fresh own SVID and installs it with the current bundle; returns its expiry. */
export async function refreshOwnSvid(
  ctx: ControllerContext,
  source: SvidSource,
  name: string,
): Promise<Date> {
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
  return issued.notAfter;
}

/** Keeps the own SVID fresh: renews at renewalDue, retrying every minute on failure. */
export function keepOwnSvidFresh(
  ctx: ControllerContext,
  source: SvidSource,
  name: string,
  first: { notBefore: Date; notAfter: Date },
  onRenew: (notAfter: Date) => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (at: number) => {
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        const notAfter = await refreshOwnSvid(ctx, source, name);
        onRenew(notAfter);
        ctx.log.info("controller certificate renewed", { not_after: notAfter.toISOString() });
        const notBefore = new Date(Date.now() - 60_000);
        schedule(renewalDue({ notBefore, notAfter }).getTime());
      } catch (e) {
        ctx.log.error("cannot renew the controller certificate", { error: e });
        schedule(Date.now() + 60_000);
      }
    }, Math.max(1000, Math.min(at - Date.now(), 2 ** 31 - 1)));
  };
  schedule(renewalDue(first).getTime());
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
