/**
 * What the controller's services share: stores, live state, CA, metrics, settings.
 * @module
 */
import type { Logger } from "../shared/log/logger.ts";
import type { CaManager } from "./ca_manager.ts";
import type { StreamHub } from "./grpc/hub.ts";
import type { Metrics } from "./metrics.ts";
import type { Presence } from "./presence.ts";
import type { RefusalRecorder } from "./refusals.ts";
import type { AgentStore } from "./registry/agents.ts";
import type { EventLog, EventRetention } from "./registry/events.ts";
import type { PolicyStore } from "./registry/policy.ts";
import type { AccessStore } from "./registry/access.ts";
import type { NamedIds } from "./registry/named_ids.ts";
import type { TokenStore } from "./registry/tokens.ts";
import type { Store } from "./store/store.ts";

/** Settings the services need. */
export interface ServiceSettings {
  trustDomain: string;
  connectorCertTtlMs: number;
  tunnelerCertTtlMs: number;
  enrollmentTokenTtlMs: number;
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
  renewGraceMs: number;
  /** Bounds of the audit trail (EVENTS_RETENTION, EVENTS_MAX, FLOW_EVENTS_RETENTION, FLOW_EVENTS_MAX); default DEFAULT_EVENT_RETENTION (registry/events.ts). */
  eventRetention?: EventRetention;
}

/** The controller's shared state. */
export interface ControllerContext {
  settings: ServiceSettings;
  /** The state store (Deno KV or etcd): every registry above keeps its records in it. */
  store: Store;
  tokens: TokenStore;
  agents: AgentStore;
  policy: PolicyStore;
  /** Resources, groups and policies. */
  access: AccessStore;
  /** The tunneler ids allowlists, groups and policies name (refused to unbound tokens), cached. */
  namedIds: NamedIds;
  events: EventLog;
  presence: Presence;
  hub: StreamHub;
  ca: CaManager;
  metrics: Metrics;
  /** Logs and records refusals of unverified callers, rate-limited per source. */
  refusals: RefusalRecorder;
  log: Logger;
  /** Whether the gRPC server is serving (readiness). */
  grpcServing: () => boolean;
  /** Expiry of the controller's own SVID (metrics), if issued. */
  ownCertExpiry: () => Date | undefined;
  /** The clock of enrollment-token expiry and agent certificate issuance: Date.now unless a test injects one. */
  now: () => number;
}
