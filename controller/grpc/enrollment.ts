/**
 * Enrollment.Enroll and Enrollment.Renew: the logic, independent of the transport.
 * @module
 */
import { status } from "@grpc/grpc-js";
import { canonicalIp } from "../../shared/net/ip.ts";
import { readCsr } from "../../shared/pki/csr.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import { formatSpiffeId, validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { spiffeIdOf } from "../../shared/pki/san.ts";
import type { EnrollRequest, RenewRequest, Svid } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import type { ControllerContext } from "../context.ts";
import { type AgentRecord, type AgentRole, isAgentRole } from "../registry/types.ts";
import type { EnrollmentRefusalReason } from "../metrics.ts";
import { capText } from "../untrusted.ts";
import type { FailureModeId } from "../../shared/failure_modes/catalogue.ts";
import {
  AGENT_REFUSAL_FAILURE_MODES,
  type AgentRefusal,
  type AgentRefusalReason,
  authenticateAgent,
  refusalStatus,
} from "./authenticate_agent.ts";
import { GrpcError } from "./errors.ts";
import { StoreUnavailableError } from "../store/store.ts";

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

/**
 * The longest value each Enroll field may have. A real enrollment sends a token of 63
 * characters and a CSR of about 330; anything longer is refused before any other work, and no
 * log line, event or metric ever holds more than a capped piece of it.
 */
export const ENROLL_FIELD_LIMITS = {
  token: 256,
  role: 32,
  id: 64,
  csr_pem: 8192,
  private_ip: 64,
  version: 128,
} as const;

function oversizedField(req: EnrollRequest): string | undefined {
  const values: Record<keyof typeof ENROLL_FIELD_LIMITS, unknown> = {
    token: req.token,
    role: req.role,
    id: req.id,
    csr_pem: req.csrPem,
    private_ip: req.privateIp,
    version: req.version,
  };
  for (const [field, max] of Object.entries(ENROLL_FIELD_LIMITS)) {
    const v = values[field as keyof typeof ENROLL_FIELD_LIMITS];
    const length = typeof v === "string" ? v.length : 0;
    if (length > max) return `enrollment field "${field}" is too long (${length} characters, at most ${max})`;
  }
  return undefined;
}

/**
 * Enrolls an agent with a one-time token; the token is consumed atomically with the registration.
 * `source` is the caller's IP address (refusals are rate-limited per source).
 */
export async function enroll(ctx: ControllerContext, req: EnrollRequest, source?: string): Promise<Svid> {
  const role = req.role;
  const refuse = async (code: status, message: string, reason: EnrollmentRefusalReason): Promise<never> => {
    const failureMode = ENROLL_FAILURE_MODES[reason];
    ctx.metrics.inc("postern_enrollments_total", {
      role: isAgentRole(role) ? role : "unknown",
      result: reason,
    });
    ctx.metrics.inc("postern_enrollment_refusals_total", { reason });
    // The caller proved nothing yet: the id it asked for is a claim, never the event's agent.
    await ctx.refusals.record({
      source,
      kind: "enrollment.refused",
      logMessage: "enrollment refused",
      reason: message,
      fields: { claimed_id: capText(req.id, ENROLL_FIELD_LIMITS.id), role: capText(role, 32), reason },
      ...(failureMode ? { failureMode } : {}),
    });
    throw new GrpcError(code, message, failureMode);
  };
  const tooLong = oversizedField(req);
  if (tooLong) return await refuse(status.INVALID_ARGUMENT, tooLong, "too_large");
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
  // The CSR's signature is checked (on the ECDSA worker) while the token and the agent's record
  // are read; the refusals keep their order: a bad request first, then the token, then the id.
  const [csrRead, token, existing] = await Promise.all([
    readCsr(req.csrPem).then((csr) => ({ csr }), (e: Error) => ({ error: e })),
    ctx.tokens.usable(req.token.trim(), role),
    ctx.agents.entry(role, req.id),
  ]);
  if ("error" in csrRead) return await refuse(status.INVALID_ARGUMENT, csrRead.error.message, "bad_request");
  const csr = csrRead.csr;
  if (!token) return await refuse(status.PERMISSION_DENIED, INVALID_TOKEN, "invalid_token");
  // Refused here, before the commit that consumes the token: its rightful holder can still use it.
  const bound = token.value.agentId;
  if (bound !== undefined && bound !== req.id) {
    return await refuse(status.PERMISSION_DENIED, INVALID_TOKEN, "token_bound_elsewhere");
  }
  if (bound === undefined && role === "tunneler") {
    const named = await ctx.namedIds.naming(req.id);
    if (named.connector !== undefined) {
      return await refuse(status.PERMISSION_DENIED, namedId(req.id), "id_named");
    }
    if (named.access) {
      return await refuse(status.PERMISSION_DENIED, namedId(req.id, "a group or a policy"), "id_named");
    }
  }
  const previous = existing.value ?? undefined;
  if (previous && previous.revokedAt === undefined) {
    return await refuse(status.ALREADY_EXISTS, alreadyEnrolled(role, req.id), "already_enrolled");
  }
  const spiffeId = formatSpiffeId(ctx.settings.trustDomain, role, req.id);
  const signing = ctx.ca.signing;
  const issued = await issueSvid(signing, {
    now: new Date(ctx.now()),
    csr,
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
    certificates: [{
      serial: issued.serial,
      notAfter: issued.notAfter.getTime(),
      issuer: signing.fingerprint,
    }],
  };
  // Token spent, agent written and its event stored in one commit: all of them or none.
  const event = ctx.events.draft(`${role}.enrolled`, `${role} "${req.id}" enrolled`, {
    agent: req.id,
    role,
    spiffe_id: spiffeId,
    token_id: token.value.id,
  });
  const done = await ctx.agents.enroll(token, record, { existing, also: [event.mutation] });
  if (!done.ok && done.conflict === "token") {
    return await refuse(status.PERMISSION_DENIED, INVALID_TOKEN, "invalid_token");
  }
  if (!done.ok) return await refuse(status.ALREADY_EXISTS, alreadyEnrolled(role, req.id), "already_enrolled");
  // Before the configuration that admits the id again: connectors refuse the old certificates first.
  if (done.superseded.length > 0) ctx.hub.pushRevoked(done.superseded);
  ctx.metrics.inc("postern_enrollments_total", { role, result: "ok" });
  ctx.log.info("agent enrolled", { role, agent: req.id, spiffe_id: spiffeId, token_id: token.value.id });
  await ctx.events.published(event);
  // A connector's configuration lists the allowlisted tunnelers that are not revoked, and an id
  // that was never enrolled counts as not revoked: enrolling a new tunneler changes no
  // configuration. Only enrolling again after a revocation does, for the connectors listing it.
  if (role === "tunneler" && previous?.revokedAt !== undefined) void ctx.hub.pushConfigForTunneler(req.id);
  return svidMessage(ctx, spiffeId, issued.certPem, issued.notAfter);
}

/** The SPIFFE ID an unverified certificate claims, capped; undefined when it names none. */
export function claimedSpiffeId(der: Uint8Array): string | undefined {
  try {
    return capText(spiffeIdOf(parseCertificate(der)).uri);
  } catch {
    return undefined;
  }
}

/** The refusal of an unbound token for a named id; which connector names it is not the caller's business. */
function namedId(id: string, by = "an allowlist"): string {
  return `tunneler "${id}" is named by ${by}: enroll it with a token bound to that id (POST /api/admin/tokens {"role": "tunneler", "id": "${id}"})`;
}

function alreadyEnrolled(role: AgentRole, id: string): string {
  return `${role} "${id}" is already enrolled: revoke it first (DELETE /api/admin/${role}s/${id})`;
}

/** Renews the caller's SVID; `peerDer` is the certificate it presented (undefined: none). */
export async function renew(
  ctx: ControllerContext,
  peerDer: Uint8Array | undefined,
  req: RenewRequest,
  source?: string,
): Promise<Svid> {
  let role = "unknown";
  /** `agent` only once the certificate verified; before, the SPIFFE ID it claims is recorded as claimed. */
  const refuse = async (
    code: status,
    message: string,
    reason: string,
    agent?: string,
    failureMode?: FailureModeId,
  ): Promise<never> => {
    ctx.metrics.inc("postern_renewals_total", { role, result: reason });
    const claimed = agent === undefined && peerDer ? claimedSpiffeId(peerDer) : undefined;
    await ctx.refusals.record({
      source,
      kind: "renewal.refused",
      logMessage: "renewal refused",
      reason: message,
      fields: {
        role,
        reason,
        ...(agent ? { agent } : {}),
        ...(claimed ? { claimed_spiffe_id: claimed } : {}),
      },
      ...(failureMode ? { failureMode } : {}),
    });
    throw new GrpcError(code, message, failureMode);
  };
  // A certificate from a CA this controller does not trust does get here (the TLS layer asks for a
  // client certificate but does not refuse one it cannot verify) and is refused as untrusted:
  // "internal CA mismatch during renewal: x509: certificate signed by unknown authority".
  const auth = await authenticateAgent(ctx, peerDer, {
    roles: ["connector", "tunneler"],
    allowExpiredWithin: ctx.settings.renewGraceMs,
  });
  if (!auth.ok) {
    const r = auth.refusal;
    if (r.role) role = r.role;
    return await refuse(
      refusalStatus(r.reason),
      renewRefusalMessage(r),
      RENEW_REFUSAL_LABEL[r.reason],
      r.agent,
      r.reason === "untrusted" ? "4.2" : AGENT_REFUSAL_FAILURE_MODES[r.reason],
    );
  }
  const { peer, record, serial, id } = auth.agent;
  const agentRole = auth.agent.role;
  role = agentRole;
  let issued;
  const signing = ctx.ca.signing;
  try {
    issued = await issueSvid(signing, {
      now: new Date(ctx.now()),
      csrPem: req.csrPem,
      spiffeId: record.spiffeId,
      ...(record.privateIp ? { ipSans: [record.privateIp] } : {}),
      ttlMs: ttlFor(ctx, agentRole),
    });
  } catch (e) {
    if (e instanceof TypeError) return await refuse(status.INVALID_ARGUMENT, e.message, "bad_request", id);
    throw e;
  }
  const grace = peer.notAfter.getTime() < Date.now();
  const event = ctx.events.draft(`${role}.renewed`, `${role} "${id}" renewed its certificate`, {
    agent: id,
    role,
    not_after: issued.notAfter.toISOString(),
    ...(grace ? { within_grace: true } : {}),
  });
  // Recorded atomically with the check that the agent was not revoked meanwhile (a certificate
  // that is not on the live list could not be revoked later, so it is never handed out), and
  // with its event.
  let recorded;
  try {
    recorded = await ctx.agents.renewed(
      agentRole,
      id,
      serial,
      { serial: issued.serial, notAfter: issued.notAfter.getTime(), issuer: signing.fingerprint },
      req.version.slice(0, 64),
      ctx.settings.renewGraceMs,
      [event.mutation],
    );
  } catch (e) {
    ctx.log.error("cannot record a renewal", { agent: id, error: e });
    const why = e instanceof StoreUnavailableError ? e.message : "renewal could not be recorded: try again";
    return await refuse(status.UNAVAILABLE, why, "unavailable", id);
  }
  if (!recorded.ok) return await refuse(status.PERMISSION_DENIED, REVOKED, "revoked", id);
  if (recorded.revoked.length > 0) ctx.hub.pushRevoked(recorded.revoked);
  ctx.metrics.inc("postern_renewals_total", { role, result: "ok" });
  ctx.log.info("certificate renewed", { role, agent: id, not_after: issued.notAfter.toISOString(), grace });
  await ctx.events.published(event);
  return svidMessage(ctx, record.spiffeId, issued.certPem, issued.notAfter);
}

/** The failure mode of each enrollment refusal that is one (a refused token: 1.2). */
const ENROLL_FAILURE_MODES: Readonly<Record<EnrollmentRefusalReason, FailureModeId | undefined>> = {
  too_large: undefined,
  bad_request: undefined,
  invalid_token: "1.2",
  token_bound_elsewhere: "1.2",
  id_named: "1.2",
  already_enrolled: undefined,
};

/** The metric and event label of each refusal reason of Renew. */
const RENEW_REFUSAL_LABEL: Record<AgentRefusalReason, string> = {
  no_cert: "no_cert",
  untrusted: "untrusted",
  expired: "expired",
  expired_beyond_grace: "expired",
  role: "role",
  revoked: "revoked",
};

/** What Renew tells a refused caller (failure mode 4.2 for an untrusted CA). */
function renewRefusalMessage(r: AgentRefusal): string {
  switch (r.reason) {
    case "no_cert":
      return "client certificate required: renew with the current SVID (an agent that has none must enroll again with a new token)";
    case "untrusted":
      return `internal CA mismatch during renewal: ${r.detail}`;
    case "expired":
    case "expired_beyond_grace":
      return `${EXPIRED_BEYOND_GRACE} (${r.detail})`;
    case "role":
      return r.detail;
    case "revoked":
      return REVOKED;
  }
}
