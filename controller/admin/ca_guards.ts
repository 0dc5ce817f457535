/**
 * The admin API's guards on CA rotation steps that would cut agents off: activate while ONLINE
 * agents do not trust the CA yet, retire while agents still hold a certificate it issued. Each
 * refuses with 409 naming the agents (a capped list and the count); `force: true` skips it.
 * @module
 */
import type { ControllerContext } from "../context.ts";
import { normalizeFingerprint } from "../../shared/pki/bundle.ts";
import { type AgentRole, currentCertificate } from "../registry/types.ts";
import { HttpError } from "./http.ts";

/** How many agents a 409 names; the count covers the rest. */
export const AGENTS_NAMED = 10;

/** `connector "c1", tunneler "t1"` for the first {@link AGENTS_NAMED}, then ` and N more`. */
export function nameAgents(agents: readonly { role: AgentRole; id: string }[]): string {
  const named = agents.slice(0, AGENTS_NAMED).map((a) => `${a.role} "${a.id}"`).join(", ");
  return named + (agents.length > AGENTS_NAMED ? ` and ${agents.length - AGENTS_NAMED} more` : "");
}

/**
 * Refuses (409) to activate a known CA that ONLINE agents do not report trusting yet: a
 * certificate from it would fail their renewal (4.2) and their peers' handshakes.
 */
export function refuseWhileAgentsLag(ctx: ControllerContext, fingerprint: string): void {
  const fp = normalizeFingerprint(fingerprint);
  if (!ctx.ca.bundle.has(fp)) return; // ca.activate answers 404
  const lagging = ctx.presence.lagging(fp);
  if (lagging.length === 0) return;
  throw new HttpError(
    409,
    `CA ${fp} is not yet trusted by ${lagging.length} ONLINE agent${lagging.length === 1 ? "" : "s"}: ${
      nameAgents(lagging)
    }; wait until they renew (GET /api/admin/connectors and /api/admin/tunnelers show trusted_ca_fingerprints) or pass "force": true`,
  );
}

/**
 * The enrolled, non-revoked agents whose current certificate (the live one that expires last) is
 * unexpired and was issued by the CA `fingerprint`, in a stable order. Once that CA is retired the
 * controller no longer trusts their certificate, so their next renewal fails (4.2).
 */
export async function holdersOf(
  ctx: ControllerContext,
  fingerprint: string,
): Promise<{ role: AgentRole; id: string }[]> {
  const fp = normalizeFingerprint(fingerprint);
  const now = ctx.now();
  const out: { role: AgentRole; id: string }[] = [];
  for (const role of ["connector", "tunneler"] as const) {
    for (const r of await ctx.agents.list(role)) {
      if (r.revokedAt !== undefined) continue;
      const cert = currentCertificate(r);
      if (cert?.issuer === fp && cert.notAfter > now) out.push({ role, id: r.id });
    }
  }
  return out.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
}

/** Refuses (409) to retire a CA that issued the current certificate of an enrolled agent. */
export async function refuseWhileAgentsHoldCa(ctx: ControllerContext, fingerprint: string): Promise<void> {
  const fp = normalizeFingerprint(fingerprint);
  // ca.retire answers 404 for an unknown CA and refuses the signing one with its own message.
  if (!ctx.ca.bundle.has(fp) || ctx.ca.signing.fingerprint === fp) return;
  const holders = await holdersOf(ctx, fp);
  if (holders.length === 0) return;
  throw new HttpError(
    409,
    `CA ${fp} issued the current certificate of ${holders.length} agent${holders.length === 1 ? "" : "s"}: ${
      nameAgents(holders)
    }; wait until they renew from the signing CA (at least one full certificate lifetime after activate) or pass "force": true`,
  );
}
