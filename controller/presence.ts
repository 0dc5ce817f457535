/**
 * Live presence of agents: heartbeats are kept in memory (the hot path writes nothing to KV);
 * a sweep marks agents OFFLINE after OFFLINE_AFTER without one and persists last_seen at a
 * bounded rate. Each ONLINE/OFFLINE transition is an event.
 * @module
 */
import type { Logger } from "../shared/log/logger.ts";
import type { AgentStore } from "./registry/agents.ts";
import type { EventLog } from "./registry/events.ts";
import type { AgentRecord, AgentRole } from "./registry/types.ts";

/** ONLINE or OFFLINE, as the admin API shows it. */
export type Status = "ONLINE" | "OFFLINE";

/** What a heartbeat tells about an agent. */
export interface Sighting {
  version?: string;
  privateIp?: string;
  certExpiresAt?: number;
  /** Tunnelers: the connector that relayed the heartbeat. */
  connectorId?: string;
}

interface Live extends Sighting {
  role: AgentRole;
  id: string;
  lastSeen: number;
  online: boolean;
  persistedAt: number;
  dirty: boolean;
}

/** Options of {@link Presence}. */
export interface PresenceOptions {
  agents: AgentStore;
  events: EventLog;
  log: Logger;
  offlineAfterMs: number;
  /** Minimum time between two last_seen writes of one agent; default 60 s. */
  persistEveryMs?: number;
  /** Clock; default Date.now. */
  now?: () => number;
}

/** In-memory presence with a sweep timer. */
export class Presence {
  readonly #live = new Map<string, Live>();
  readonly #o: Required<Omit<PresenceOptions, "persistEveryMs" | "now">> & {
    persistEveryMs: number;
    now: () => number;
  };
  #timer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<void> | undefined;

  constructor(o: PresenceOptions) {
    this.#o = { persistEveryMs: 60_000, now: Date.now, ...o };
  }

  /** Records a heartbeat. The first one after OFFLINE is an ONLINE transition (an event). */
  seen(role: AgentRole, id: string, s: Sighting = {}): void {
    const now = this.#o.now();
    const k = `${role}/${id}`;
    let l = this.#live.get(k);
    if (!l) this.#live.set(k, l = { role, id, lastSeen: now, online: false, persistedAt: 0, dirty: true });
    Object.assign(l, definedOnly(s), { lastSeen: now, dirty: true });
    if (!l.online) {
      l.online = true;
      this.#transition(l, "ONLINE");
    }
  }

  /** The live status and last_seen of an agent, falling back to the KV record (another controller). */
  view(r: AgentRecord): { status: Status; lastSeen: number | undefined; live: Sighting } {
    const l = this.#live.get(`${r.role}/${r.id}`);
    if (l) return { status: l.online ? "ONLINE" : "OFFLINE", lastSeen: l.lastSeen, live: l };
    const recent = r.lastSeen !== undefined && this.#o.now() - r.lastSeen < this.#o.offlineAfterMs;
    return {
      status: recent && r.revokedAt === undefined ? "ONLINE" : "OFFLINE",
      lastSeen: r.lastSeen,
      live: {},
    };
  }

  /** How many agents of `role` are ONLINE here. */
  onlineCount(role: AgentRole): number {
    let n = 0;
    for (const l of this.#live.values()) if (l.role === role && l.online) n++;
    return n;
  }

  /** Drops an agent (revoked): it goes OFFLINE at once. */
  async forget(role: AgentRole, id: string): Promise<void> {
    const l = this.#live.get(`${role}/${id}`);
    if (!l) return;
    this.#live.delete(`${role}/${id}`);
    if (l.online) {
      l.online = false;
      await this.#persist(l);
      this.#transition(l, "OFFLINE");
    }
  }

  /** Marks silent agents OFFLINE and persists last_seen where due. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const now = this.#o.now();
    for (const l of this.#live.values()) {
      const wentOffline = l.online && now - l.lastSeen >= this.#o.offlineAfterMs;
      if (wentOffline) l.online = false;
      if (l.dirty && (wentOffline || now - l.persistedAt >= this.#o.persistEveryMs)) {
        await this.#persist(l).catch((e) =>
          this.#o.log.warn("cannot persist last_seen", { agent: l.id, error: e })
        );
      }
      if (wentOffline) this.#transition(l, "OFFLINE");
    }
  }

  async #persist(l: Live): Promise<void> {
    l.dirty = false;
    l.persistedAt = this.#o.now();
    await this.#o.agents.update(l.role, l.id, (r) => ({
      ...r,
      lastSeen: l.lastSeen,
      ...(l.version ? { version: l.version } : {}),
      ...(l.connectorId ? { connectorId: l.connectorId } : {}),
      ...(l.certExpiresAt ? { certExpiresAt: Math.max(l.certExpiresAt, r.certExpiresAt) } : {}),
    }));
  }

  #transition(l: Live, status: Status): void {
    this.#o.log.info(`${l.role} ${status === "ONLINE" ? "online" : "offline"}`, {
      agent: l.id,
      role: l.role,
    });
    this.#o.events.append(`${l.role}.${status.toLowerCase()}`, `${l.role} "${l.id}" is ${status}`, {
      agent: l.id,
      role: l.role,
      status,
    }).catch(() => {});
  }

  /** Starts the sweep timer (every quarter of OFFLINE_AFTER, at most every second). */
  start(): void {
    const every = Math.max(50, Math.min(1000, Math.floor(this.#o.offlineAfterMs / 4)));
    this.#timer = setInterval(() => void this.sweep(), every);
  }

  /** Stops the timer and persists what is pending. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
    for (const l of this.#live.values()) if (l.dirty) await this.#persist(l).catch(() => {});
  }
}

function definedOnly(s: Sighting): Sighting {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== "" && v !== 0));
}
