/**
 * Who is calling: the one controller-side check of an agent's certificate, shared by Renew and
 * ControlPlane.Connect. It answers with the agent or a typed refusal; each RPC picks its gRPC code
 * from the refusal's reason ({@link refusalStatus}), never from message text.
 * @module
 */
import { status } from "@grpc/grpc-js";
import type { FailureModeId } from "../../shared/failure_modes/catalogue.ts";
import { type VerifiedPeer, verifySvid } from "../../shared/pki/verify.ts";
import { authorizeRole } from "../../shared/pki/authorize.ts";
import { adoptAfterRestore } from "../backup/adopt.ts";
import type { ControllerContext } from "../context.ts";
import { type AgentRecord, type AgentRole, liveCertificates } from "../registry/types.ts";

/** Why an agent's certificate is refused. */
export type AgentRefusalReason =
  /** No client certificate. */
  | "no_cert"
  /** Not a valid SVID of this trust domain from a CA of the bundle. */
  | "untrusted"
  /** Expired (or not yet valid), where no grace applies. */
  | "expired"
  /** Expired longer ago than the grace allowed (Renew: RENEW_GRACE). */
  | "expired_beyond_grace"
  /** A valid SVID of a role this RPC does not serve. */
  | "role"
  /** Not a live certificate of a current enrollment: revoked, superseded, or unknown. */
  | "revoked";

/** A refused certificate: the reason as data, the verifier's text for the log and the caller. */
export interface AgentRefusal {
  reason: AgentRefusalReason;
  detail: string;
  /** The id the certificate names, once it is known to come from a CA of the bundle. */
  agent?: string;
  role?: AgentRole;
}

/**
 * The failure mode of each refusal of an agent's certificate outside renewal (Renew names an
 * untrusted CA 4.2): no or an untrusted certificate 2.1, another role 2.3.
 */
export const AGENT_REFUSAL_FAILURE_MODES: Readonly<Record<AgentRefusalReason, FailureModeId | undefined>> = {
  no_cert: "2.1",
  untrusted: "2.1",
  expired: undefined,
  expired_beyond_grace: undefined,
  role: "2.3",
  revoked: undefined,
};

/** An authenticated agent: a live certificate of its current enrollment. */
export interface AuthenticatedAgent {
  role: AgentRole;
  id: string;
  /** The SPIFFE ID as a URI. */
  spiffeId: string;
  record: AgentRecord;
  /** The presented certificate's serial (lower-case hex). */
  serial: string;
  peer: VerifiedPeer;
}

/** The answer of {@link authenticateAgent}. */
export type AgentAuthentication =
  | { ok: true; agent: AuthenticatedAgent }
  | { ok: false; refusal: AgentRefusal };

/** Options of {@link authenticateAgent}. */
export interface AuthenticateOptions {
  /** The roles this RPC serves. */
  roles: readonly AgentRole[];
  /** Accept a certificate expired this many ms ago (Renew); default 0. */
  allowExpiredWithin?: number;
}

/** The gRPC status of a refusal. */
export function refusalStatus(reason: AgentRefusalReason): status {
  switch (reason) {
    case "no_cert":
    case "untrusted":
    case "expired":
      return status.UNAUTHENTICATED;
    case "expired_beyond_grace":
      return status.FAILED_PRECONDITION;
    case "role":
    case "revoked":
      return status.PERMISSION_DENIED;
  }
}

/**
 * Authenticates the certificate an agent presented (`peerDer`, undefined: none): a valid SVID of
 * this trust domain from a CA of the bundle, of one of `roles`, and a live certificate of the
 * agent's current enrollment (not revoked, not superseded by a re-enrollment).
 */
export async function authenticateAgent(
  ctx: ControllerContext,
  peerDer: Uint8Array | undefined,
  opts: AuthenticateOptions,
): Promise<AgentAuthentication> {
  const refuse = (refusal: AgentRefusal): AgentAuthentication => ({ ok: false, refusal });
  if (!peerDer) return refuse({ reason: "no_cert", detail: "client certificate required" });
  const trustDomain = ctx.settings.trustDomain;
  const grace = opts.allowExpiredWithin ?? 0;
  let peer: VerifiedPeer;
  try {
    // The one decision: everything the RPC requires, in verifySvid's order (validity, chain,
    // SPIFFE ID and trust domain, SVID profile, role).
    peer = await verifySvid(peerDer, ctx.ca.bundle, {
      trustDomain,
      authorize: authorizeRole(...opts.roles),
      allowExpiredWithin: grace,
    });
  } catch (e) {
    return refuse(await whyRefused(ctx, peerDer, opts, (e as Error).message));
  }
  const role = peer.spiffeId.role as AgentRole;
  const id = peer.spiffeId.id;
  const serial = peer.certificate.serialNumber.toLowerCase();
  let record = await ctx.agents.get(role, id);
  if (
    record && record.revokedAt === undefined && !liveCertificates(record).some((c) => c.serial === serial)
  ) {
    // Issued after a backup that was then restored: see adopt.ts for when that is accepted.
    record = await adoptAfterRestore(ctx, record, {
      serial,
      notBefore: peer.certificate.notBefore,
      notAfter: peer.notAfter,
    });
  }
  if (
    !record || record.revokedAt !== undefined || !liveCertificates(record).some((c) => c.serial === serial)
  ) {
    return refuse({ reason: "revoked", detail: `certificate ${serial} is not live`, agent: id, role });
  }
  return { ok: true, agent: { role, id, spiffeId: peer.spiffeId.uri, record, serial, peer } };
}

/**
 * Why a certificate the strict verification refused is refused: the verification already said no;
 * this only names the reason, for the gRPC status and for the agent's next step.
 *
 * Why a second, relaxed verification: verifySvid stops at the first failed check and checks the
 * validity period before the chain (as Go's crypto/x509 does), so an expired certificate of a
 * foreign CA fails as "expired". The controller must tell apart, in this order: a certificate no
 * CA of the bundle issued (`untrusted`: never name the agent it claims to be; Renew says 4.2), a
 * role this RPC does not serve (`role`, expired or not), and a genuine certificate past its grace
 * (`expired_beyond_grace`: the agent must enroll again). Verifying again without the validity
 * period and the role answers the first question from facts, never from message text, and yields
 * the SPIFFE ID and notAfter the other two need.
 */
async function whyRefused(
  ctx: ControllerContext,
  peerDer: Uint8Array,
  opts: AuthenticateOptions,
  detail: string,
): Promise<AgentRefusal> {
  let relaxed: VerifiedPeer;
  try {
    relaxed = await verifySvid(peerDer, ctx.ca.bundle, {
      trustDomain: ctx.settings.trustDomain,
      allowExpiredWithin: Infinity,
    });
  } catch {
    return { reason: "untrusted", detail };
  }
  const named = { agent: relaxed.spiffeId.id, ...roleOf(relaxed) };
  if (!opts.roles.some((r) => r === relaxed.spiffeId.role)) return { reason: "role", detail, ...named };
  const now = Date.now();
  const grace = opts.allowExpiredWithin ?? 0;
  if (now > relaxed.notAfter.getTime() + grace || now < relaxed.certificate.notBefore.getTime()) {
    return {
      reason: opts.allowExpiredWithin !== undefined ? "expired_beyond_grace" : "expired",
      detail,
      ...named,
    };
  }
  return { reason: "untrusted", detail, ...named };
}

function roleOf(peer: VerifiedPeer): { role?: AgentRole } {
  const r = peer.spiffeId.role;
  return r === "connector" || r === "tunneler" ? { role: r } : {};
}
