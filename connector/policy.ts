/**
 * The connector's policy: which tunnelers may pass and where they may go (the allowlist, the
 * connector's own resources list and the grants the controller compiled for it, decided by
 * `shared/access/decision.ts`), which certificates are revoked, and the heartbeat interval the controller set. The control
 * plane writes it (AgentConfig, RevokedCertificates); the tunneler listener reads it on every
 * connection and closes the sessions a change no longer admits. Deny by default: everything
 * starts empty.
 * @module
 */
import { ConnectorAccess, type Resolver } from "../shared/access/decision.ts";
import { type RevokedSerial, RevokedSerials } from "./revoked_serials.ts";
import type { Logger } from "../shared/log/logger.ts";

/** The heartbeat interval until the controller sets one. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** What changed: the access (allowlist, resources, grants) or the revoked certificates. */
export type PolicyChange = "allowlist" | "revoked";

/** The part of an AgentConfig the connector enforces. */
export interface PolicyConfig {
  allowedTunnelers: readonly string[];
  resources: readonly string[];
  /** The granted resources this connector serves (a table; missing: none). */
  grantedResources?: readonly { name: string; address: string }[];
  /** One grant per policy: its tunnelers and the resources (indices into `grantedResources`). */
  grants?: readonly { tunnelerIds: readonly string[]; resources: readonly number[] }[];
  /** Ignored when 0 or missing (the interval stays as it was). */
  heartbeatIntervalMs?: number;
}

/** Options of {@link ConnectorPolicy}. */
export interface ConnectorPolicyOptions {
  log: Logger;
  /** Resolver for resource names (tests). */
  resolver?: Resolver;
}

/** The one policy object of a connector process. */
export class ConnectorPolicy {
  readonly #opts: ConnectorPolicyOptions;
  #access: ConnectorAccess;
  /** Kept for the life of the process: a control-stream reconnect only adds to it. */
  readonly #revoked = new RevokedSerials();
  #heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  readonly #subscribers = new Set<(change: PolicyChange) => void>();

  constructor(opts: ConnectorPolicyOptions) {
    this.#opts = opts;
    this.#access = new ConnectorAccess({ allowedTunnelers: [], resources: [] }, opts.resolver);
  }

  /** Whether the tunneler with this id may hold a session: the allowlist names it or it holds a grant here. */
  allows(tunnelerId: string): boolean {
    return this.#access.admit(tunnelerId);
  }

  /** The access decision now (replaced as a whole on each AgentConfig). */
  get access(): ConnectorAccess {
    return this.#access;
  }

  /** Whether a certificate with this serial must be refused at `now`. */
  isRevoked(serial: string, now = Date.now()): boolean {
    return this.#revoked.refuse(serial, now);
  }

  /** The heartbeat interval the controller set (told to tunnelers, used for our own). */
  get heartbeatIntervalMs(): number {
    return this.#heartbeatIntervalMs;
  }

  /** Applies an AgentConfig; unparsable resources are logged and never matched. */
  apply(config: PolicyConfig): void {
    this.#access = new ConnectorAccess({
      allowedTunnelers: config.allowedTunnelers,
      resources: config.resources,
      granted: {
        resources: [...(config.grantedResources ?? [])],
        grants: (config.grants ?? []).map((g) => ({
          tunnelers: [...g.tunnelerIds],
          resources: [...g.resources],
        })),
      },
    }, this.#opts.resolver);
    for (const bad of this.#access.invalid) this.#opts.log.warn("ignoring resource", { error: bad });
    if (config.heartbeatIntervalMs && config.heartbeatIntervalMs > 0) {
      this.#heartbeatIntervalMs = config.heartbeatIntervalMs;
    }
    this.#notify("allowlist");
  }

  /** Adds revoked certificates (refused from now on); returns how many were new. */
  revoke(entries: readonly RevokedSerial[], now = Date.now()): number {
    const added = this.#revoked.add(entries, now);
    this.#opts.log.info("revoked certificates applied", { added, held: this.#revoked.size });
    this.#notify("revoked");
    return added;
  }

  /** Calls `fn` after each change; returns the unsubscribe function. */
  onChange(fn: (change: PolicyChange) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  #notify(change: PolicyChange): void {
    for (const fn of this.#subscribers) fn(change);
  }
}
