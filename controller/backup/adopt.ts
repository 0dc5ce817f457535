/**
 * Agents that renewed after a backup carry certificates the restored registry never saw. The
 * restore leaves a marker (`RESTORE_MARKER`: when the backup was taken, when it was restored), and
 * an agent's certificate that is not on its record's live list is adopted onto it when all of these
 * hold:
 *
 * - it is a valid SVID from a CA of our bundle for this very id and role (checked before, by
 *   authenticateAgent: nobody without our CA key can mint one);
 * - the id is enrolled and not revoked in the restored registry;
 * - the certificate was issued (notBefore + the issuer's 60 s backdate) after the backup was taken
 *   and before it was restored: the window whose issuances the backup cannot know, and no other
 *   (a certificate issued before the backup and missing from it was superseded or revoked then);
 * - it is not on the revoked list.
 *
 * What this gives up: a revocation made after the backup is lost with the rest of that window, so
 * a certificate revoked then would be adopted. The runbook says to repeat such revocations right
 * after a restore; certificates are short-lived (1 h by default), so the window closes on its own.
 * @module
 */
import { BACKDATE_MS } from "../../shared/pki/issue.ts";
import type { ControllerContext } from "../context.ts";
import { revokedKey } from "../registry/revoked.ts";
import { type AgentRecord, liveCertificates, MAX_LIVE_CERTIFICATES } from "../registry/types.ts";
import type { StoreKey } from "../store/store.ts";

/** Store key of the marker that `restore` writes. */
export const RESTORE_MARKER: StoreKey = ["restore", "marker"];

/** The marker: both times in ms since the epoch. */
export interface RestoreMarker {
  takenAt: number;
  restoredAt: number;
}

/** The certificate facts {@link adoptAfterRestore} needs. */
export interface PresentedCertificate {
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Adopts `cert` onto `record`'s live list when the rules above allow it; the updated record, or
 * undefined (refuse as before).
 */
export async function adoptAfterRestore(
  ctx: ControllerContext,
  record: AgentRecord,
  cert: PresentedCertificate,
): Promise<AgentRecord | undefined> {
  if (record.revokedAt !== undefined) return undefined;
  const marker = (await ctx.store.get<RestoreMarker>(RESTORE_MARKER)).value;
  if (!marker) return undefined;
  const issuedAt = cert.notBefore.getTime() + BACKDATE_MS;
  if (issuedAt < marker.takenAt || issuedAt > marker.restoredAt) return undefined;
  if ((await ctx.store.get(revokedKey(cert.serial))).value !== null) return undefined;
  const adopted = await ctx.agents.update(record.role, record.id, (r) => {
    if (r.revokedAt !== undefined) return r;
    const live = liveCertificates(r).filter((c) => c.serial !== cert.serial);
    const { serials: _legacy, ...rest } = r;
    return {
      ...rest,
      certificates: [{ serial: cert.serial, notAfter: cert.notAfter.getTime() }, ...live].slice(
        0,
        MAX_LIVE_CERTIFICATES,
      ),
      certExpiresAt: Math.max(r.certExpiresAt, cert.notAfter.getTime()),
    };
  });
  if (!adopted || adopted.revokedAt !== undefined) return undefined;
  ctx.log.warn("adopted a certificate issued after the restored backup", {
    agent: record.id,
    role: record.role,
    serial: cert.serial,
  });
  await ctx.events.append(
    `${record.role}.certificate_adopted`,
    `${record.role} "${record.id}" presented certificate ${cert.serial}, issued after the restored backup: adopted`,
    { agent: record.id, role: record.role, serial: cert.serial },
  );
  return adopted;
}
