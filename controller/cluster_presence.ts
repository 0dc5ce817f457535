/**
 * Presence shared by the controllers of one store (etcd), within etcd's write budget: each
 * controller holds one lease, a liveness key `presence/controllers/<controller>` and one ownership
 * key `presence/agents/<role>/<id>/<controller>` per agent whose stream it holds, all under that
 * lease. An ownership key is written when an agent comes ONLINE here and deleted when it leaves
 * here, never per heartbeat. The other controllers learn by watch.
 *
 * The ownership key carries the CA fingerprints the agent reports trusting (its heartbeat's
 * trusted_ca_fingerprints), so that the CA-activation guard of any controller sees the agents the
 * others hold. It is rewritten only when the reported set changes: once per CA rotation step that
 * reaches the agent (its renewal after prepare, after retire), not per heartbeat. The write cost of
 * a rotation is thus at most two extra writes per ONLINE agent, spread over one renewal interval.
 *
 * A deleted ownership key whose controller is still alive was released on purpose (the agent
 * moved, or its controller already announced it OFFLINE): nothing to do. Keys that vanish with
 * their controller's lease (a crash, a stop) leave their agents orphaned: they stay ONLINE for
 * OFFLINE_AFTER, in which they may reconnect to any controller without a flap, and then go
 * OFFLINE, announced by one controller only (the lowest live id), so the trail has one event.
 * @module
 */
import type { Logger } from "../shared/log/logger.ts";
import { sameItems } from "../shared/same_items.ts";
import type { AgentRole } from "./registry/types.ts";
import type { Lease, Store, StoreKey, Watch, WatchEvent } from "./store/store.ts";
import { listAll } from "./store/store.ts";

/** The prefix of every presence key. */
export const PRESENCE_PREFIX: StoreKey = ["presence"];
const CONTROLLERS = "controllers";
const AGENTS = "agents";

/** Options of {@link ClusterPresence.open}. */
export interface ClusterPresenceOptions {
  store: Store;
  log: Logger;
  offlineAfterMs: number;
  /** This controller's id in the presence keys; default a random UUID (one per process). */
  controllerId?: string;
  /** Clock; default Date.now. */
  now?: () => number;
}

/** An agent, as `role/id`. */
type AgentKey = `${AgentRole}/${string}`;

/** The trusted CA fingerprints an ownership key carries: sorted, lower-case hex, no repeats. */
type Trusted = readonly string[];

/** What an ownership key holds. */
interface Ownership {
  since: number;
  trusted: Trusted;
}

/** Which agents other controllers hold, learned by watch; and the keys this controller owns. */
export class ClusterPresence {
  readonly controllerId: string;
  readonly #o: Required<Omit<ClusterPresenceOptions, "controllerId">>;
  #lease: Lease;
  #watch: Watch | undefined;
  #stopped = false;
  /** Controllers alive (their liveness key exists), this one included. */
  readonly #controllers = new Set<string>();
  /** Other controllers holding each agent, with the trusted CAs each one's key carries. */
  readonly #owners = new Map<AgentKey, Map<string, Trusted>>();
  /** Agents orphaned by a vanished controller: when they go OFFLINE unless they reappear, and their last trusted CAs. */
  readonly #orphans = new Map<AgentKey, { at: number; trusted: Trusted }>();
  /** Agents this controller owns a key for (written or being written), with the trusted CAs it carries. */
  readonly #claimed = new Map<AgentKey, Trusted>();
  /** Ownership writes that failed, retried at the next sweep. */
  readonly #retry = new Set<AgentKey>();
  #writes = 0;

  private constructor(o: ClusterPresenceOptions, lease: Lease) {
    this.controllerId = o.controllerId ?? crypto.randomUUID();
    this.#o = { now: Date.now, ...o };
    this.#lease = lease;
  }

  /** Grants the lease, writes the liveness key, loads what others hold and starts the watch. */
  static async open(o: ClusterPresenceOptions): Promise<ClusterPresence> {
    const lease = await o.store.grantLease(leaseTtl(o.offlineAfterMs));
    const p = new ClusterPresence(o, lease);
    await p.#announce();
    p.#watch = o.store.watch(PRESENCE_PREFIX, {
      onEvents: (events) => p.#apply(events),
      onResync: () => void p.#reload().catch((e) => o.log.warn("cannot re-read presence", { error: e })),
    });
    await p.#reload();
    p.#keepLease();
    return p;
  }

  /** Store writes made for presence so far (liveness and ownership keys, deletes included). */
  get writes(): number {
    return this.#writes;
  }

  /** Whether another controller holds the agent's stream. */
  heldElsewhere(role: AgentRole, id: string): boolean {
    return (this.#owners.get(`${role}/${id}`)?.size ?? 0) > 0;
  }

  /** Whether the agent lost its controller less than OFFLINE_AFTER ago (still ONLINE, may reconnect). */
  orphaned(role: AgentRole, id: string): boolean {
    return this.#orphans.has(`${role}/${id}`);
  }

  /** Whether the cluster counts the agent ONLINE without this controller holding it. */
  onlineElsewhere(role: AgentRole, id: string): boolean {
    return this.heldElsewhere(role, id) || this.orphaned(role, id);
  }

  /**
   * The agent is ONLINE here, trusting the CAs `trusted`: writes its ownership key when it came
   * ONLINE here or when the trusted set changed, not per heartbeat.
   */
  claim(role: AgentRole, id: string, trusted: readonly string[] = []): void {
    const k: AgentKey = `${role}/${id}`;
    this.#orphans.delete(k);
    const set = trustedSet(trusted);
    const written = this.#claimed.get(k);
    if (written && sameSet(written, set)) return;
    this.#claimed.set(k, set);
    void this.#writeClaim(k);
  }

  /**
   * Agents ONLINE through another controller (held there, or orphaned less than OFFLINE_AFTER ago)
   * whose ownership key does not carry the CA `fingerprint` (lower-case hex); with several holders,
   * one key without it is enough. Not in a particular order.
   */
  laggingElsewhere(fingerprint: string): { role: AgentRole; id: string }[] {
    const out: { role: AgentRole; id: string }[] = [];
    for (const [k, holders] of this.#owners) {
      if ([...holders.values()].some((t) => !t.includes(fingerprint))) out.push(agentOf(k));
    }
    for (const [k, o] of this.#orphans) {
      if (!this.#owners.has(k) && !o.trusted.includes(fingerprint)) out.push(agentOf(k));
    }
    return out;
  }

  /** How many agents of `role` are ONLINE through another controller and not claimed here. */
  onlineElsewhereCount(role: AgentRole): number {
    let n = 0;
    for (const k of new Set([...this.#owners.keys(), ...this.#orphans.keys()])) {
      if (k.startsWith(`${role}/`) && !this.#claimed.has(k)) n++;
    }
    return n;
  }

  /** The agent left here (moved, OFFLINE, revoked): deletes its ownership key. */
  release(role: AgentRole, id: string): void {
    const k: AgentKey = `${role}/${id}`;
    this.#retry.delete(k);
    if (!this.#claimed.delete(k)) return;
    this.#writes++;
    this.#o.store.commit([], [{ type: "delete", key: this.#agentKey(k, this.controllerId) }]).catch((e) =>
      this.#o.log.warn("cannot release presence", { agent: k, error: e })
    );
  }

  /**
   * Orphans whose OFFLINE_AFTER has passed without them reappearing: forgotten here, and returned
   * for this controller to announce only when it is the lowest live controller (one event each).
   */
  sweep(): { role: AgentRole; id: string }[] {
    for (const k of this.#retry) {
      this.#retry.delete(k);
      void this.#writeClaim(k);
    }
    const now = this.#o.now();
    const due: { role: AgentRole; id: string }[] = [];
    for (const [k, o] of this.#orphans) {
      if (now < o.at) continue;
      this.#orphans.delete(k);
      due.push(agentOf(k));
    }
    return this.#announcer() ? due : [];
  }

  /** Ends the watch and revokes the lease: this controller's keys vanish at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.close();
    await this.#lease.revoke().catch((e) =>
      this.#o.log.warn("cannot revoke the presence lease", { error: e })
    );
  }

  /** Ends the watch and keeps no lease alive, without revoking it: as a crash does (tests). */
  abandon(): void {
    this.#stopped = true;
    this.#watch?.close();
  }

  #announcer(): boolean {
    let lowest = this.controllerId;
    for (const c of this.#controllers) if (c < lowest) lowest = c;
    return lowest === this.controllerId;
  }

  async #writeClaim(k: AgentKey): Promise<void> {
    this.#writes++;
    try {
      await this.#o.store.commit([], [{
        type: "set",
        key: this.#agentKey(k, this.controllerId),
        value: { since: this.#o.now(), trusted: this.#claimed.get(k) ?? [] } satisfies Ownership,
        lease: this.#lease,
      }]);
    } catch (e) {
      if (this.#claimed.has(k)) this.#retry.add(k);
      this.#o.log.warn("cannot write presence", { agent: k, error: e });
    }
  }

  async #announce(): Promise<void> {
    this.#writes++;
    await this.#o.store.commit([], [{
      type: "set",
      key: [...PRESENCE_PREFIX, CONTROLLERS, this.controllerId],
      value: { since: this.#o.now() },
      lease: this.#lease,
    }]);
    this.#controllers.add(this.controllerId);
  }

  /** A lost lease (etcd unreachable for its TTL) is replaced and every key written again. */
  #keepLease(): void {
    void this.#lease.lost.then(async () => {
      for (let attempt = 0; !this.#stopped; attempt++) {
        try {
          this.#lease = await this.#o.store.grantLease(leaseTtl(this.#o.offlineAfterMs));
          await this.#announce();
          for (const k of this.#claimed.keys()) void this.#writeClaim(k);
          this.#o.log.info("presence lease renewed", { controller: this.controllerId });
          this.#keepLease();
          return;
        } catch (e) {
          if (attempt === 0) this.#o.log.warn("cannot renew the presence lease", { error: e });
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    });
  }

  #agentKey(k: AgentKey, controller: string): StoreKey {
    const [role, id] = split(k);
    return [...PRESENCE_PREFIX, AGENTS, role, id, controller];
  }

  #apply(events: WatchEvent[]): void {
    // Controllers first: keys that vanish with a lease come in one revision, and an agent is
    // orphaned only when its controller is gone.
    for (const e of events) {
      const [, kind, controller] = e.key;
      if (kind !== CONTROLLERS || controller === undefined || controller === this.controllerId) continue;
      if (e.type === "put") this.#controllers.add(controller);
      else this.#controllerGone(controller);
    }
    for (const e of events) {
      const [, kind, role, id, controller] = e.key;
      if (kind !== AGENTS || !isRole(role) || id === undefined || controller === undefined) continue;
      if (controller === this.controllerId) continue;
      const k: AgentKey = `${role}/${id}`;
      if (e.type === "put") {
        const trusted = trustedOf(e.value);
        this.#owners.get(k)?.set(controller, trusted) ??
          this.#owners.set(k, new Map([[controller, trusted]]));
        this.#orphans.delete(k);
      } else {
        const holders = this.#owners.get(k);
        const trusted = holders?.get(controller);
        if (!holders || trusted === undefined) continue;
        holders.delete(controller);
        if (!this.#controllers.has(controller)) this.#orphan(k, trusted);
        if (holders.size === 0) this.#owners.delete(k);
      }
    }
  }

  #controllerGone(controller: string): void {
    this.#controllers.delete(controller);
    let orphaned = 0;
    for (const [k, holders] of this.#owners) {
      const trusted = holders.get(controller);
      if (trusted === undefined) continue;
      holders.delete(controller);
      if (this.#orphan(k, trusted)) orphaned++;
      if (holders.size === 0) this.#owners.delete(k);
    }
    this.#o.log.info("controller gone: its presence keys vanished", { controller, orphaned });
  }

  /** Starts the grace of an agent that lost its controller, unless someone still holds it. */
  #orphan(k: AgentKey, trusted: Trusted): boolean {
    if ((this.#owners.get(k)?.size ?? 0) > 0 || this.#claimed.has(k)) return false;
    this.#orphans.set(k, { at: this.#o.now() + this.#o.offlineAfterMs, trusted });
    return true;
  }

  async #reload(): Promise<void> {
    const entries = await listAll(this.#o.store, PRESENCE_PREFIX);
    const controllers = new Set<string>([this.controllerId]);
    const owners = new Map<AgentKey, Map<string, Trusted>>();
    for (const { key, value } of entries) {
      const [, kind, a, b, c] = key;
      if (kind === CONTROLLERS && a !== undefined) controllers.add(a);
      if (kind === AGENTS && isRole(a) && b !== undefined && c !== undefined && c !== this.controllerId) {
        const k: AgentKey = `${a}/${b}`;
        const trusted = trustedOf(value);
        owners.get(k)?.set(c, trusted) ?? owners.set(k, new Map([[c, trusted]]));
      }
    }
    // Agents whose controller vanished while the watch was away are orphaned as by the watch.
    const lost = new Map<AgentKey, Trusted>();
    for (const [k, holders] of this.#owners) {
      for (const [c, trusted] of holders) {
        if (!controllers.has(c) && !owners.get(k)?.has(c)) lost.set(k, trusted);
      }
    }
    this.#controllers.clear();
    for (const c of controllers) this.#controllers.add(c);
    this.#owners.clear();
    for (const [k, set] of owners) {
      this.#owners.set(k, set);
      this.#orphans.delete(k);
    }
    for (const [k, trusted] of lost) this.#orphan(k, trusted);
  }
}

/** The lease TTL: OFFLINE_AFTER, at least the 1 s etcd counts in. */
function leaseTtl(offlineAfterMs: number): number {
  return Math.max(1_000, offlineAfterMs);
}

function isRole(v: string | undefined): v is AgentRole {
  return v === "connector" || v === "tunneler";
}

function split(k: AgentKey): [AgentRole, string] {
  const i = k.indexOf("/");
  return [k.slice(0, i) as AgentRole, k.slice(i + 1)];
}

function agentOf(k: AgentKey): { role: AgentRole; id: string } {
  const [role, id] = split(k);
  return { role, id };
}

const FINGERPRINT = /^[0-9a-f]{64}$/;

function trustedSet(fingerprints: readonly string[]): Trusted {
  return [...new Set(fingerprints)].sort();
}

/** Both sorted and without repeats (`trustedSet`), so equal sets are equal lists. */
function sameSet(a: Trusted, b: Trusted): boolean {
  return sameItems(a, b);
}

/**
 * The trusted CAs of another controller's ownership key; anything but a list of fingerprints (a
 * key of an older version, a damaged value) is an empty set, which the CA guard counts as lagging.
 */
function trustedOf(value: unknown): Trusted {
  const t = (value as Partial<Ownership> | null)?.trusted;
  if (!Array.isArray(t) || t.length > 64 || !t.every((f) => typeof f === "string" && FINGERPRINT.test(f))) {
    return [];
  }
  return trustedSet(t);
}
