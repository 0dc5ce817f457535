/**
 * Live presence of agents: heartbeats are kept in memory (the hot path writes nothing to KV);
 * a sweep marks agents OFFLINE after OFFLINE_AFTER without one and queues last_seen writes that
 * are due. Detection never waits for KV: transitions are decided in memory at every sweep, while
 * a single background writer drains the queue in batched atomic commits
 * ({@link AgentStore.updateMany}). Each agent's next write is due after a jittered interval
 * (between `1 - persistJitter` and 1 times `persistEveryMs`), so agents that connected together
 * spread out instead of coming due together. Each ONLINE/OFFLINE transition is an event.
 *
 * With several controllers on one store ({@link ClusterPresence}, etcd), an agent is ONLINE while
 * any controller holds its stream: coming ONLINE here while another controller holds it (or lost
 * it less than OFFLINE_AFTER ago) is a move, not an event; falling silent here while another holds
 * it is a move too. Only the cluster's view makes the events, so a move is never a flap.
 * @module
 */
import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";
import { withFailureMode } from "../shared/failure_modes/format.ts";
import { sameItems } from "../shared/same_items.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { ClusterPresence } from "./cluster_presence.ts";
import { type AgentStore, type RecordChange, UPDATE_BATCH } from "./registry/agents.ts";
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
  /** SHA-256 fingerprints of the CAs the agent reports it trusts (empty: not reported). */
  trustedCaFingerprints?: string[];
  /** Traffic as the agent last reported it: open sessions (connectors) or connections (tunnelers). */
  activeSessions?: number;
  /** Bytes the agent reports it received, in total since it started. */
  bytesIn?: number;
  /** Bytes the agent reports it sent, in total since it started. */
  bytesOut?: number;
}

interface Live extends Sighting {
  role: AgentRole;
  id: string;
  lastSeen: number;
  online: boolean;
  /** When the next last_seen write is due (0: at the next sweep). */
  persistAt: number;
  /** Whether memory holds something KV does not. */
  dirty: boolean;
  /** Whether it waits in the write queue. */
  queued: boolean;
}

/** Options of {@link Presence}. */
export interface PresenceOptions {
  agents: AgentStore;
  events: EventLog;
  log: Logger;
  offlineAfterMs: number;
  /** Time between two last_seen writes of one agent, before jitter; default 60 s. */
  persistEveryMs?: number;
  /** Fraction of `persistEveryMs` by which each interval is shortened at random; default 0.25. */
  persistJitter?: number;
  /** Clock; default Date.now. */
  now?: () => number;
  /** Random numbers in [0, 1); default Math.random. */
  random?: () => number;
  /** Counts a failure mode (3.2 when an agent goes OFFLINE); default: not counted. */
  failure?: (mode: FailureModeId) => void;
  /** Presence shared with the other controllers of the store (etcd); default: this one alone. */
  cluster?: ClusterPresence;
}

/** In-memory presence with a sweep timer and a background last_seen writer. */
export class Presence {
  readonly #live = new Map<string, Live>();
  readonly #o: Required<Omit<PresenceOptions, "cluster">>;
  readonly #cluster: ClusterPresence | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Agents whose last_seen write is due, in order. */
  #queue = new Set<Live>();
  #writing: Promise<void> | undefined;
  #commits = 0;

  constructor(o: PresenceOptions) {
    this.#o = {
      persistEveryMs: 60_000,
      persistJitter: 0.25,
      now: Date.now,
      random: Math.random,
      failure: () => {},
      ...o,
    };
    this.#cluster = o.cluster;
  }

  /** Records a heartbeat. The first one after OFFLINE is an ONLINE transition (an event). */
  seen(role: AgentRole, id: string, s: Sighting = {}): void {
    const now = this.#o.now();
    const k = `${role}/${id}`;
    let l = this.#live.get(k);
    if (!l) {
      this.#live.set(
        k,
        l = { role, id, lastSeen: now, online: false, persistAt: 0, dirty: true, queued: false },
      );
    }
    keepEqual(l, definedOnly(s));
    l.lastSeen = now;
    l.dirty = true;
    if (!l.online) {
      l.online = true;
      if (this.#cluster?.onlineElsewhere(role, id)) {
        this.#o.log.info(`${role} moved here from another controller`, { agent: id, role });
      } else this.#transition(l, "ONLINE");
    }
    // Writes only when the agent came ONLINE here or reports another trusted set.
    this.#cluster?.claim(role, id, l.trustedCaFingerprints);
  }

  /**
   * An agent stopping gracefully said goodbye: OFFLINE at once (not failure mode 3.2), its
   * last_seen written now; its next heartbeat is an ONLINE transition as usual.
   */
  left(role: AgentRole, id: string): void {
    const l = this.#live.get(`${role}/${id}`);
    if (!l?.online) return;
    l.online = false;
    l.persistAt = 0;
    l.dirty = true;
    this.#cluster?.release(role, id);
    this.#o.log.info(`${role} offline: it said goodbye`, { agent: id, role });
    this.#o.events.append(`${role}.offline`, `${role} "${id}" is OFFLINE (stopped)`, {
      agent: id,
      role,
      status: "OFFLINE",
      reason: "goodbye",
    }).catch(() => {});
  }

  /**
   * The live status and last_seen of an agent: this controller's view, else the cluster's (etcd),
   * else the stored record's last_seen (one controller on Deno KV, just restarted).
   */
  view(r: AgentRecord): { status: Status; lastSeen: number | undefined; live: Sighting } {
    const l = this.#live.get(`${r.role}/${r.id}`);
    if (l?.online) return { status: "ONLINE", lastSeen: l.lastSeen, live: l };
    const cluster = this.#cluster;
    if (cluster) {
      const online = r.revokedAt === undefined && cluster.onlineElsewhere(r.role, r.id);
      const lastSeen = Math.max(l?.lastSeen ?? 0, r.lastSeen ?? 0) || undefined;
      return { status: online ? "ONLINE" : "OFFLINE", lastSeen, live: online ? {} : (l ?? {}) };
    }
    if (l) return { status: "OFFLINE", lastSeen: l.lastSeen, live: l };
    const recent = r.lastSeen !== undefined && this.#o.now() - r.lastSeen < this.#o.offlineAfterMs;
    return {
      status: recent && r.revokedAt === undefined ? "ONLINE" : "OFFLINE",
      lastSeen: r.lastSeen,
      live: {},
    };
  }

  /**
   * How many agents of `role` are ONLINE: here, plus (etcd) those ONLINE through another
   * controller only, so every controller of the store reports the same count.
   */
  onlineCount(role: AgentRole): number {
    let n = this.#cluster?.onlineElsewhereCount(role) ?? 0;
    for (const l of this.#live.values()) if (l.role === role && l.online) n++;
    return n;
  }

  /**
   * ONLINE agents that do not report trusting the CA `fingerprint` (lower-case hex), in a stable
   * order: those here, and (etcd) those ONLINE through another controller, as its ownership key
   * reports them. An agent that reports no fingerprints at all (an older version) counts as lagging.
   */
  lagging(fingerprint: string): { role: AgentRole; id: string }[] {
    const out = new Map<string, { role: AgentRole; id: string }>();
    for (const l of this.#live.values()) {
      if (l.online && !l.trustedCaFingerprints?.includes(fingerprint)) {
        out.set(`${l.role}/${l.id}`, { role: l.role, id: l.id });
      }
    }
    for (const a of this.#cluster?.laggingElsewhere(fingerprint) ?? []) out.set(`${a.role}/${a.id}`, a);
    return [...out.values()].sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  }

  /** Last_seen writes waiting for the background writer. */
  get pendingWrites(): number {
    return this.#queue.size;
  }

  /** KV commits made by the writer so far (each carries up to {@link UPDATE_BATCH} agents). */
  get commits(): number {
    return this.#commits;
  }

  /** Drops an agent (revoked): it goes OFFLINE at once, then its last_seen is written. */
  async forget(role: AgentRole, id: string): Promise<void> {
    const l = this.#live.get(`${role}/${id}`);
    if (!l) return;
    this.#live.delete(`${role}/${id}`);
    this.#queue.delete(l);
    this.#cluster?.release(role, id);
    if (l.online) {
      l.online = false;
      this.#transition(l, "OFFLINE");
      l.dirty = false;
      await this.#o.agents.update(l.role, l.id, (r) => merge(r, l)).catch((e) =>
        this.#o.log.warn("cannot persist last_seen", { agent: l.id, error: e })
      );
    }
  }

  /**
   * Marks silent agents OFFLINE (at once, in memory, whatever KV is doing) and queues the
   * last_seen writes that are due (an OFFLINE transition makes it due now). Resolves once the
   * writer has drained the queue; the transitions are made before this returns.
   */
  sweep(): Promise<void> {
    const now = this.#o.now();
    for (const l of this.#live.values()) {
      if (l.online && now - l.lastSeen >= this.#o.offlineAfterMs) {
        l.online = false;
        this.#cluster?.release(l.role, l.id);
        if (this.#cluster?.heldElsewhere(l.role, l.id)) {
          this.#o.log.info(`${l.role} moved to another controller`, { agent: l.id, role: l.role });
        } else this.#transition(l, "OFFLINE");
        l.persistAt = 0;
      }
      if (l.dirty && !l.queued && now >= l.persistAt) {
        l.queued = true;
        this.#queue.add(l);
      }
    }
    for (const o of this.#cluster?.sweep() ?? []) {
      if (this.#live.get(`${o.role}/${o.id}`)?.online) continue;
      this.#transition({ role: o.role, id: o.id }, "OFFLINE", "its controller is gone");
    }
    return this.#drain();
  }

  /** Starts the writer unless it runs; resolves when the queue is empty. */
  #drain(): Promise<void> {
    if (this.#queue.size === 0) return this.#writing ?? Promise.resolve();
    this.#writing ??= (async () => {
      while (this.#queue.size > 0) {
        const batch: Live[] = [];
        for (const l of this.#queue) {
          this.#queue.delete(l);
          batch.push(l);
          if (batch.length === UPDATE_BATCH) break;
        }
        await this.#write(batch);
      }
    })().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  async #write(batch: Live[]): Promise<void> {
    const now = this.#o.now();
    const changes: RecordChange[] = batch.map((l) => {
      l.queued = false;
      l.dirty = false;
      l.persistAt = now + this.#o.persistEveryMs * (1 - this.#o.persistJitter * this.#o.random());
      const snap: Sighting & { lastSeen: number } = { ...l };
      return { role: l.role, id: l.id, change: (r: AgentRecord) => merge(r, snap) };
    });
    try {
      this.#commits += await this.#o.agents.updateMany(changes);
    } catch (e) {
      this.#o.log.warn("cannot persist last_seen", { agents: batch.length, error: e });
      for (const l of batch) {
        l.dirty = true;
        l.persistAt = now + this.#o.persistEveryMs / 4;
      }
    }
  }

  #transition(l: Pick<Live, "role" | "id">, status: Status, why = "no heartbeat for OFFLINE_AFTER"): void {
    // Going OFFLINE is failure mode 3.2 (heartbeats stopped): logged, counted, on the event.
    const offline = status === "OFFLINE";
    const mode = offline ? { failure_mode: "3.2" } : {};
    if (offline) this.#o.failure("3.2");
    const what = `${l.role} ${offline ? "offline" : "online"}`;
    const fields = { agent: l.id, role: l.role, ...mode };
    if (offline) this.#o.log.warn(withFailureMode("3.2", `${what}: ${why}`), fields);
    else this.#o.log.info(what, fields);
    this.#o.events.append(`${l.role}.${status.toLowerCase()}`, `${l.role} "${l.id}" is ${status}`, {
      agent: l.id,
      role: l.role,
      status,
      ...mode,
    }).catch(() => {});
  }

  /** Starts the sweep timer (every quarter of OFFLINE_AFTER, at most every second). */
  start(): void {
    const every = Math.max(50, Math.min(1000, Math.floor(this.#o.offlineAfterMs / 4)));
    this.#timer = setInterval(() => void this.sweep(), every);
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const l of this.#live.values()) {
      if (l.dirty && !l.queued) {
        l.queued = true;
        this.#queue.add(l);
      }
    }
    await this.#drain().catch(() => {});
    await this.#cluster?.stop();
  }
}

/** A record with what presence knows newer (certificate expiry only moves forward). */
function merge(r: AgentRecord, l: Sighting & { lastSeen: number }): AgentRecord {
  return {
    ...r,
    lastSeen: l.lastSeen,
    ...(l.version ? { version: l.version } : {}),
    ...(l.connectorId ? { connectorId: l.connectorId } : {}),
    ...(l.certExpiresAt ? { certExpiresAt: Math.max(l.certExpiresAt, r.certExpiresAt) } : {}),
  };
}

/**
 * Sets each reported field on `l`, keeping the value already held when the report equals it (the
 * same string, a list of the same strings). A steady heartbeat then leaves nothing new behind: at
 * 10,000 agents every value a heartbeat replaced lived 10 s, long enough for V8 to move it to the
 * old generation, whose collection (about 280 MiB to mark) was the longest pause of a steady minute.
 */
function keepEqual(l: Live, s: Sighting): void {
  const held = l as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) {
    const was = held[k];
    if (v === was) continue;
    if (Array.isArray(v) && Array.isArray(was) && sameItems(v, was)) continue;
    held[k] = v;
  }
}

/** Traffic counts: 0 is a report (traffic stopped), not an unset field. */
const COUNTS = new Set<string>(["activeSessions", "bytesIn", "bytesOut"]);

function definedOnly(s: Sighting): Sighting {
  return Object.fromEntries(
    Object.entries(s).filter(([k, v]) =>
      v !== undefined && v !== "" && (v !== 0 || COUNTS.has(k)) && !(Array.isArray(v) && v.length === 0)
    ),
  );
}
