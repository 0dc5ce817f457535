/**
 * Builds the controller's shared state over an open store.
 * @module
 */
import { AccessStore } from "./registry/access.ts";
import { NamedIds } from "./registry/named_ids.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { CertificateAuthority } from "../shared/pki/ca.ts";
import { CaManager } from "./ca_manager.ts";
import type { ControllerContext, ServiceSettings } from "./context.ts";
import { StreamHub } from "./grpc/hub.ts";
import { RevokedCertificateStore } from "./registry/revoked.ts";
import { Metrics } from "./metrics.ts";
import { ClusterPresence } from "./cluster_presence.ts";
import { Presence } from "./presence.ts";
import { RefusalRecorder, type RefusalRecorderOptions } from "./refusals.ts";
import { AgentStore } from "./registry/agents.ts";
import { DEFAULT_EVENT_RETENTION, EventLog } from "./registry/events.ts";
import { PolicyStore } from "./registry/policy.ts";
import { TokenStore } from "./registry/tokens.ts";
import type { Store } from "./store/store.ts";
import type { CaKeyCodec } from "./store/sealed_key.ts";

/** Options of {@link openContext}. */
export interface OpenOptions {
  settings: ServiceSettings;
  store: Store;
  ca: CertificateAuthority;
  caKeyPem: string;
  /** How CA private keys are kept in the store (default: in clear, for Deno KV). */
  caKeys?: CaKeyCodec;
  log: Logger;
  /** Minimum time between last_seen writes per agent; default 60 s. */
  persistEveryMs?: number;
  /** Rate limits of refusal logging (tests); defaults in RefusalRecorder. */
  refusalLimits?: Omit<RefusalRecorderOptions, "log" | "events" | "metrics">;
  /** The clock of enrollment-token expiry and agent certificate issuance (tests inject one); default Date.now. */
  now?: () => number;
}

/** Opens the stores, the CA state and live state; registers the metrics gauges. */
export async function openContext(o: OpenOptions): Promise<OpenedContext> {
  const { store, log, settings } = o;
  const now = o.now ?? Date.now;
  const agents = new AgentStore(store);
  const policy = new PolicyStore(store);
  const access = new AccessStore(store);
  const metrics = new Metrics();
  const events = new EventLog(store, Date.now, settings.eventRetention ?? DEFAULT_EVENT_RETENTION, {
    onDrop: () => metrics.inc("postern_flow_events_dropped_total"),
  });
  void events.prepare();
  // Several controllers share an etcd store: presence is shared too (Deno KV has one controller).
  const cluster = store.kind === "etcd"
    ? await ClusterPresence.open({ store, log, offlineAfterMs: settings.offlineAfterMs })
    : undefined;
  const presence = new Presence({
    agents,
    events,
    log,
    offlineAfterMs: settings.offlineAfterMs,
    failure: (mode) => metrics.failure(mode),
    ...(cluster ? { cluster } : {}),
    ...(o.persistEveryMs === undefined ? {} : { persistEveryMs: o.persistEveryMs }),
  });
  const hub = new StreamHub(
    policy,
    agents,
    new RevokedCertificateStore(store),
    settings.heartbeatIntervalMs,
    () => access.model(),
  );
  // Every change of resources, groups or policies, made through any controller, reaches the connectors.
  access.onChange(() => void hub.pushConfig().catch(() => {}));
  const ca = await CaManager.open(store, o.ca, o.caKeyPem, o.caKeys);
  let serving = false;
  let ownExpiry: Date | undefined;
  const ctx: ControllerContext = {
    settings,
    store,
    tokens: new TokenStore(store, now),
    now,
    agents,
    policy,
    access,
    namedIds: new NamedIds(store, policy, access),
    events,
    presence,
    hub,
    ca,
    metrics,
    refusals: new RefusalRecorder({ log, events, metrics, ...o.refusalLimits }),
    log,
    grpcServing: () => serving,
    ownCertExpiry: () => ownExpiry,
  };
  // Counts of known agents are refreshed by the sweep-independent registry scan below.
  const known = { connector: 0, tunneler: 0 };
  const refreshKnown = async () => {
    known.connector = (await agents.listCached("connector")).filter((r) => r.revokedAt === undefined).length;
    known.tunneler = (await agents.listCached("tunneler")).filter((r) => r.revokedAt === undefined).length;
  };
  await refreshKnown();
  // At most one refresh a second: the first change refreshes at once, a burst once more at its end.
  let refreshing = false;
  let again = false;
  const throttledRefresh = async () => {
    if (refreshing) return void (again = true);
    refreshing = true;
    try {
      do {
        again = false;
        await refreshKnown().catch(() => {});
        await new Promise((r) => Deno.unrefTimer(setTimeout(r, 1000)));
      } while (again);
    } finally {
      refreshing = false;
    }
  };
  events.subscribe((e) => {
    if (/^(connector|tunneler)\.(enrolled|revoked)$/.test(e.kind)) void throttledRefresh();
  });
  for (const role of ["connector", "tunneler"] as const) {
    metrics.gauge(`postern_${role}s`, `${role}s by status`, () => {
      const online = presence.onlineCount(role);
      return [[{ status: "ONLINE" }, online], [{ status: "OFFLINE" }, Math.max(0, known[role] - online)]];
    });
  }
  metrics.gauge("postern_control_streams", "open control-plane streams", () => [[{}, hub.size]]);
  metrics.gauge("postern_certificate_expiry_seconds", "seconds until certificates expire", () => {
    const now = Date.now();
    const out: Array<[Record<string, string>, number]> = ca.describe().map((
      c,
    ) => [{ kind: "ca", fingerprint: c.fingerprint }, Math.round((Date.parse(c.not_after) - now) / 1000)]);
    const own = ownExpiry;
    if (own) out.push([{ kind: "controller" }, Math.round((own.getTime() - now) / 1000)]);
    return out;
  });
  return Object.assign(ctx, {
    setServing: (v: boolean) => (serving = v),
    setOwnExpiry: (d: Date) => (ownExpiry = d),
  });
}

/** Context with the setters main uses. */
export type OpenedContext = ControllerContext & {
  setServing(v: boolean): void;
  setOwnExpiry(d: Date): void;
};
