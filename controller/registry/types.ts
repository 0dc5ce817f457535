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
  /** Serials (hex) of the certificates that may still renew or connect: the latest few. */
  serials: string[];
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
