/**
 * Enrollment.Enroll and Enrollment.Renew: the logic, independent of the transport.
 * @module
 */
import { status } from "@grpc/grpc-js";
import { canonicalIp } from "../../shared/pki/_ip.ts";
import { readCsr } from "../../shared/pki/csr.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import { formatSpiffeId, validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { PeerVerificationError, verifySvid } from "../../shared/pki/verify.ts";
import { authorizeRole } from "../../shared/pki/authorize.ts";
import type { EnrollRequest, RenewRequest, Svid } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import type { ControllerContext } from "../context.ts";
import { type AgentRecord, type AgentRole, isAgentRole } from "../registry/types.ts";
import { GrpcError, refusalStatus } from "./errors.ts";

/** The message for every refused token (used, expired, unknown, wrong role). */
export const INVALID_TOKEN = "invalid enrollment token";
/** The message for a revoked identity. */
export const REVOKED = "identity revoked: enroll again with a new token";
/** The message for a certificate expired beyond RENEW_GRACE. */
export const EXPIRED_BEYOND_GRACE =
  "certificate expired beyond the renewal grace period (RENEW_GRACE): enroll again with a new token";

function ttlFor(ctx: ControllerContext, role: AgentRole): number {
  return role === "connector" ? ctx.settings.connectorCertTtlMs : ctx.settings.tunnelerCertTtlMs;
}

function svidMessage(ctx: ControllerContext, spiffeId: string, certPem: string, notAfter: Date): Svid {
  return {
    spiffeId,
    certificatePem: certPem,
    trustBundlePem: ctx.ca.bundle.pems(),
    notAfterUnixMs: notAfter.getTime(),
  };
}

/** Enrolls an agent with a one-time token; the token is consumed atomically with the registration. */
export async function enroll(ctx: ControllerContext, req: EnrollRequest): Promise<Svid> {
  const role = req.role;
  const refuse = async (code: status, message: string, reason: string): Promise<never> => {
    ctx.metrics.inc("postern_enrollments_total", {
      role: isAgentRole(role) ? role : "unknown",
      result: reason,
    });
    ctx.log.warn("enrollment refused", { role, agent: req.id, reason: message });
    await ctx.events.append("enrollment.refused", `enrollment refused: ${message}`, {
      agent: req.id.slice(0, 64),
      role: String(role).slice(0, 32),
      reason,
    }).catch(() => {});
    throw new GrpcError(code, message);
  };
  if (!isAgentRole(role)) {
    return await refuse(
      status.INVALID_ARGUMENT,
      `invalid role "${role}": use connector or tunneler`,
      "bad_request",
    );
  }
  try {
    validateAgentId(req.id);
  } catch (e) {
    return await refuse(status.INVALID_ARGUMENT, (e as Error).message, "bad_request");
  }
  let privateIp = "";
  if (role === "connector") {
    const ip = canonicalIp(req.privateIp.trim());
    if (ip === undefined) {
      return await refuse(
        status.INVALID_ARGUMENT,
        `invalid private_ip "${req.privateIp}": a connector must send its private IPv4 or IPv6 address (CONNECTOR_PRIVATE_IP)`,
        "bad_request",
      );
    }
    privateIp = ip;
  }
  try {
    await readCsr(req.csrPem);
  } catch (e) {
    return await refuse(status.INVALID_ARGUMENT, (e as Error).message, "bad_request");
  }
  const token = await ctx.tokens.usable(req.token.trim(), role);
  if (!token) return await refuse(status.PERMISSION_DENIED, INVALID_TOKEN, "invalid_token");
  const existing = await ctx.agents.get(role, req.id);
  if (existing && existing.revokedAt === undefined) {
    return await refuse(status.ALREADY_EXISTS, alreadyEnrolled(role, req.id), "already_enrolled");
  }
  const spiffeId = formatSpiffeId(ctx.settings.trustDomain, role, req.id);
  const issued = await issueSvid(ctx.ca.signing, {
    csrPem: req.csrPem,
    spiffeId,
    ...(privateIp ? { ipSans: [privateIp] } : {}),
    ttlMs: ttlFor(ctx, role),
  });
  const record: AgentRecord = {
    role,
    id: req.id,
    spiffeId,
    privateIp,
    version: req.version.slice(0, 64),
    connectorId: "",
    enrolledAt: Date.now(),
    certExpiresAt: issued.notAfter.getTime(),
    serials: [issued.serial],
  };
  const conflict = await ctx.agents.enroll(token, record);
  if (conflict === "token") return await refuse(status.PERMISSION_DENIED, INVALID_TOKEN, "invalid_token");
  if (conflict === "exists") {
    return await refuse(status.ALREADY_EXISTS, alreadyEnrolled(role, req.id), "already_enrolled");
  }
  ctx.metrics.inc("postern_enrollments_total", { role, result: "ok" });
  ctx.log.info("agent enrolled", { role, agent: req.id, spiffe_id: spiffeId, token_id: token.value.id });
  await ctx.events.append(`${role}.enrolled`, `${role} "${req.id}" enrolled`, {
    agent: req.id,
    role,
    spiffe_id: spiffeId,
    token_id: token.value.id,
  });
  // A connector's configuration lists the allowlisted tunnelers that are not revoked, and an id
  // that was never enrolled counts as not revoked: enrolling a new tunneler changes no
  // configuration. Only enrolling again after a revocation does, for the connectors listing it.
  if (role === "tunneler" && existing?.revokedAt !== undefined) void ctx.hub.pushConfigForTunneler(req.id);
  return svidMessage(ctx, spiffeId, issued.certPem, issued.notAfter);
}

function alreadyEnrolled(role: AgentRole, id: string): string {
  return `${role} "${id}" is already enrolled: revoke it first (DELETE /api/admin/${role}s/${id})`;
}

/** Renews the caller's SVID; `peerDer` is the certificate it presented (undefined: none). */
export async function renew(
  ctx: ControllerContext,
  peerDer: Uint8Array | undefined,
  req: RenewRequest,
): Promise<Svid> {
  let role = "unknown";
  const refuse = async (code: status, message: string, reason: string, agent?: string): Promise<never> => {
    ctx.metrics.inc("postern_renewals_total", { role, result: reason });
    ctx.log.warn("renewal refused", { role, agent, reason: message });
    await ctx.events.append("renewal.refused", `renewal refused: ${message}`, {
      role,
      reason,
      ...(agent ? { agent } : {}),
    }).catch(() => {});
    throw new GrpcError(code, message);
  };
  // No certificate at all. A certificate from a CA this controller does not trust does get here
  // (the TLS layer asks for a client certificate but does not refuse one it cannot verify) and is
  // refused below: "internal CA mismatch during renewal: x509: certificate signed by unknown
  // authority".
  if (!peerDer) {
    return await refuse(
      status.UNAUTHENTICATED,
      "client certificate required: renew with the current SVID (an agent that has none must enroll again with a new token)",
      "no_cert",
    );
  }
  let peer;
  try {
    peer = await verifySvid(peerDer, ctx.ca.bundle, {
      trustDomain: ctx.settings.trustDomain,
      authorize: authorizeRole("connector", "tunneler"),
      allowExpiredWithin: ctx.settings.renewGraceMs,
    });
  } catch (e) {
    if (!(e instanceof PeerVerificationError)) throw e;
    const message = e.message;
    if (e.reason === "expired") {
      return await refuse(refusalStatus(e.reason), `${EXPIRED_BEYOND_GRACE} (${message})`, "expired");
    }
    if (e.reason === "unknown_authority") {
      return await refuse(
        refusalStatus(e.reason),
        `internal CA mismatch during renewal: ${message}`,
        "untrusted",
      );
    }
    if (e.reason === "unexpected_role") return await refuse(refusalStatus(e.reason), message, "role");
    return await refuse(status.UNAUTHENTICATED, message, "untrusted");
  }
  const agentRole = peer.spiffeId.role as AgentRole;
  role = agentRole;
  const id = peer.spiffeId.id;
  const record = await ctx.agents.get(agentRole, id);
  const serial = peer.certificate.serialNumber.toLowerCase();
  if (!record || record.revokedAt !== undefined || !record.serials.includes(serial)) {
    return await refuse(status.PERMISSION_DENIED, REVOKED, "revoked", id);
  }
  let issued;
  try {
    issued = await issueSvid(ctx.ca.signing, {
      csrPem: req.csrPem,
      spiffeId: record.spiffeId,
      ...(record.privateIp ? { ipSans: [record.privateIp] } : {}),
      ttlMs: ttlFor(ctx, agentRole),
    });
  } catch (e) {
    if (e instanceof TypeError) return await refuse(status.INVALID_ARGUMENT, e.message, "bad_request", id);
    throw e;
  }
  await ctx.agents.renewed(agentRole, id, issued.serial, issued.notAfter.getTime(), req.version.slice(0, 64));
  const grace = peer.notAfter.getTime() < Date.now();
  ctx.metrics.inc("postern_renewals_total", { role, result: "ok" });
  ctx.log.info("certificate renewed", { role, agent: id, not_after: issued.notAfter.toISOString(), grace });
  await ctx.events.append(`${role}.renewed`, `${role} "${id}" renewed its certificate`, {
    agent: id,
    role,
    not_after: issued.notAfter.toISOString(),
    ...(grace ? { within_grace: true } : {}),
  });
  return svidMessage(ctx, record.spiffeId, issued.certPem, issued.notAfter);
}
