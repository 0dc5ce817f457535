/**
 * Records the controller keeps in Deno KV (the durable truth shared by every controller).
 * @module
 */
import type { Role } from "../../shared/pki/spiffe_id.ts";

/** Agent roles that enroll (the controller issues its own SVID). */
export type AgentRole = Exclude<Role, "controller">;

/** Whether `value` is an agent role. */
export function isAgentRole(value: unknown): value is AgentRole {
  return value === "connector" || value === "tunneler";
}

/** An enrollment token as stored: the secret only as its SHA-256 hash. */
export interface TokenRecord {
  id: string;
  /** SHA-256 hex of the whole token text. */
  hash: string;
  role: AgentRole;
  /** The only agent id this token enrolls; undefined: any id that no allowlist names. */
  agentId?: string;
  note: string;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
  /** The agent id that used it. */
  usedBy?: string;
  revokedAt?: number;
}

/** An enrolled connector or tunneler. */
export interface AgentRecord {
  role: AgentRole;
  id: string;
  spiffeId: string;
  /** Connectors: the private IP carried as IP SAN. */
  privateIp: string;
  version: string;
  /** Tunnelers: the connector that last relayed its heartbeat. */
  connectorId: string;
  enrolledAt: number;
  certExpiresAt: number;
  /**
   * The certificates of the current enrollment that may still renew or connect: every one issued
   * and not yet past notAfter + RENEW_GRACE (a few more are moved to the revoked list, see
   * {@link MAX_LIVE_CERTIFICATES}). Revocation and re-enrollment move them to the revoked list.
   */
  certificates: IssuedCertificate[];
  /** Records written before `certificates`: serials whose notAfter is `certExpiresAt` at most. */
  serials?: string[];
  /** Persisted at a bounded rate; the live value is in memory. */
  lastSeen?: number;
  revokedAt?: number;
}

/** One audit-trail entry. */
export interface EventRecord {
  /** Sortable id: time then sequence, also the paging cursor. */
  id: string;
  ts: number;
  kind: string;
  /** Agent id the event is about, when there is one. */
  agent?: string;
  role?: string;
  message: string;
  [field: string]: unknown;
}

/** A certificate issued to an agent: its serial (lower-case hex), its notAfter and its issuer. */
export interface IssuedCertificate {
  serial: string;
  notAfter: number;
  /** SHA-256 fingerprint of the CA that issued it; absent in records written before it was kept. */
  issuer?: string;
}

/** An agent's current certificate: the live one that expires last (undefined when none is live). */
export function currentCertificate(r: AgentRecord): IssuedCertificate | undefined {
  let best: IssuedCertificate | undefined;
  for (const c of liveCertificates(r)) if (!best || c.notAfter > best.notAfter) best = c;
  return best;
}

/**
 * How many certificates of one enrollment stay live at most: an agent renews about every two
 * thirds of its lifetime, so a handful are live at once; beyond this cap the oldest are revoked
 * (so that a runaway renewer cannot grow its record, and no issued certificate is ever forgotten
 * while valid).
 */
export const MAX_LIVE_CERTIFICATES = 16;

/** The live certificates of a record, also of one written before `certificates` existed. */
export function liveCertificates(r: AgentRecord): IssuedCertificate[] {
  return r.certificates ?? (r.serials ?? []).map((serial) => ({ serial, notAfter: r.certExpiresAt }));
}

/** A certificate that connectors and Renew refuse until its notAfter, whatever its id. */
export interface RevokedCertificateRecord extends IssuedCertificate {
  role: AgentRole;
  id: string;
  spiffeId: string;
  revokedAt: number;
  /** Why: the operator revoked the identity, the id was enrolled again, or it fell off the live list. */
  cause: "revoked" | "superseded";
}
