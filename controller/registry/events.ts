/**
 * The audit trail: events in the store under sortable ids, with in-process subscribers for SSE.
 *
 * Two key spaces with their own bounds: security events (enrollments, renewals, refusals,
 * revocations, status and admin changes; `EVENTS_RETENTION`, `EVENTS_MAX`) and flow events (the
 * `tunnel.*` kinds; `FLOW_EVENTS_RETENTION`, `FLOW_EVENTS_MAX`), so that traffic never pushes a
 * security event out. Both bounds hold on every read (older events are never listed) and are
 * enforced in storage on write: the oldest events beyond the count are deleted in batches, and
 * those past their age at most once a second.
 * @module
 */
import { type Entry, type ListOptions, type Mutation, type Store, type StoreKey } from "../store/store.ts";
import { FlowWriter, type FlowWriterOptions } from "./flow_writer.ts";
import type { EventRecord } from "./types.ts";

let lastMs = 0;
let seq = 0;

/** A sortable, unique event id: 13 hex digits of milliseconds, a sequence, random bits. */
export function eventId(now = Date.now()): string {
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  const rand = crypto.getRandomValues(new Uint8Array(4));
  return msPrefix(now) + seq.toString(16).padStart(4, "0") +
    Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("");
}

function msPrefix(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(16).padStart(13, "0");
}

/**
 * A security event made ready to be stored in the caller's own commit ({@link EventLog.draft}):
 * the fact and its audit record are written together or not at all.
 */
export interface DraftEvent {
  /** The event as it is stored. */
  readonly event: EventRecord;
  /** The set that stores it: one more mutation of the commit that makes the event true. */
  readonly mutation: Mutation;
}

/** Which bounds an event falls under. */
export type EventSpace = "security" | "flow";

/** How long and how many events of one space are kept. */
export interface RetentionLimits {
  maxAgeMs: number;
  maxCount: number;
}

/** The bounds of both spaces. */
export type EventRetention = Record<EventSpace, RetentionLimits>;

/** The contract's defaults: security 30 days and 100000 events, flow 7 days and 100000 events. */
export const DEFAULT_EVENT_RETENTION: EventRetention = {
  security: { maxAgeMs: 30 * 86_400_000, maxCount: 100_000 },
  flow: { maxAgeMs: 7 * 86_400_000, maxCount: 100_000 },
};

const PREFIX: Record<EventSpace, string> = { security: "events", flow: "flow_events" };

/** Flow events are the `tunnel.*` kinds; everything else is a security event. */
export function eventSpace(kind: string): EventSpace {
  return kind.startsWith("tunnel.") ? "flow" : "security";
}

/** An event as the API, the stream and EVENTS_SINK show it (`ts` as RFC 3339). */
export function eventView(e: EventRecord): EventRecord & { ts: string } {
  return { ...e, ts: new Date(e.ts).toISOString() } as EventRecord & { ts: string };
}

/** Filters of {@link EventLog.list}. */
export interface EventQuery {
  /** Exact kind, or a prefix ending in `.` (`tunnel.`). */
  kind?: string;
  /** The agent the event is about, or the tunneler or connector of a tunnel event. */
  agent?: string;
  /** The resource (its name) a tunnel event or an access change names. */
  resource?: string;
  /** Only events at or after this time (ms). */
  since?: number;
  /** Only events at or before this time (ms). */
  until?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Only events with an id lower than this (paging cursor). */
  before?: string;
}

interface SpaceState {
  /** Events stored, once counted (the first write counts them). */
  count: number | undefined;
  lastAgeSweep: number;
  chain: Promise<void>;
}

/** Deletions per commit (fewer when the store's limits say so). */
const DELETE_BATCH = 100;

/** The audit trail. */
export class EventLog {
  readonly #store: Store;
  readonly #subscribers = new Set<(e: EventRecord) => void>();
  readonly #now: () => number;
  readonly #retention: EventRetention;
  readonly #state: Record<EventSpace, SpaceState> = {
    security: { count: undefined, lastAgeSweep: -Infinity, chain: Promise.resolve() },
    flow: { count: undefined, lastAgeSweep: -Infinity, chain: Promise.resolve() },
  };

  readonly #flow: FlowWriter;

  /**
   * @param now clock, default Date.now
   * @param retention bounds of each space, default {@link DEFAULT_EVENT_RETENTION}
   * @param flow the cap and batching of flow events (defaults in flow_writer.ts)
   */
  constructor(
    store: Store,
    now: () => number = Date.now,
    retention: EventRetention = DEFAULT_EVENT_RETENTION,
    flow: Pick<FlowWriterOptions, "maxPerSecond" | "flushEveryMs" | "onDrop"> = {},
  ) {
    this.#store = store;
    this.#now = now;
    this.#retention = retention;
    this.#flow = new FlowWriter({
      store,
      now,
      keyOf: (e) => [PREFIX.flow, e.id],
      onStored: (n) => this.#enforce("flow", n),
      ...flow,
    });
  }

  /** Flow events dropped over their per-second cap so far (`postern_flow_events_dropped_total`). */
  get flowDropped(): number {
    return this.#flow.dropped;
  }

  /** Commits that stored flow events so far (each carries a batch). */
  get flowCommits(): number {
    return this.#flow.commits;
  }

  /** Writes the flow events still waiting for their batch (shutdown, tests). */
  flushFlow(): Promise<void> {
    return this.#flow.flush();
  }

  /**
   * Counts what each space holds, in the background, so that the first write after a start does
   * not wait for it (a write waits only if the count is still running).
   */
  prepare(): Promise<void> {
    const all = (["security", "flow"] as const).map((space) => {
      const st = this.#state[space];
      const run = st.chain.then(() => this.#count(space));
      st.chain = run.catch(() => {});
      return st.chain;
    });
    return Promise.all(all).then(() => {});
  }

  /**
   * Records an event and tells subscribers. The kind picks the space: `tunnel.opened`,
   * `tunnel.closed` and `tunnel.refused` are flow events, every other kind a security event.
   * Flow events are batched and capped (flow_writer.ts): one over the cap is dropped and counted,
   * not stored and not told.
   */
  async append(kind: string, message: string, fields: Partial<EventRecord> = {}): Promise<EventRecord> {
    if (eventSpace(kind) === "flow") {
      const ts = this.#now();
      const event: EventRecord = { ...fields, id: eventId(ts), ts, kind, message };
      const { accepted, stored } = this.#flow.add(event);
      if (!accepted) return event;
      await stored;
      this.#tell(event);
      return event;
    }
    const draft = this.draft(kind, message, fields);
    const res = await this.#store.commit([], [draft.mutation]);
    if (!res.ok) throw new Error(`could not write ${draft.mutation.key.join("/")}`);
    await this.published(draft);
    return draft.event;
  }

  /**
   * A security event for the caller to store in its own commit, with {@link DraftEvent.mutation}
   * among that commit's mutations (an enrollment consumes its token, writes the agent and its
   * `*.enrolled` event in one commit); once the commit succeeded, {@link published} tells the
   * subscribers. A draft whose commit failed is simply dropped.
   *
   * @throws {RangeError} for a flow kind (`tunnel.*`): those go through {@link append}, batched
   */
  draft(kind: string, message: string, fields: Partial<EventRecord> = {}): DraftEvent {
    if (eventSpace(kind) !== "security") {
      throw new RangeError(`event kind "${kind}" is a flow event: record it with append()`);
    }
    const ts = this.#now();
    const event: EventRecord = { ...fields, id: eventId(ts), ts, kind, message };
    return { event, mutation: { type: "set", key: [PREFIX.security, event.id], value: event } };
  }

  /** After the commit that stored a {@link draft}: tells subscribers and enforces the space's bounds. */
  async published(draft: DraftEvent): Promise<void> {
    this.#tell(draft.event);
    await this.#enforce("security");
  }

  #tell(event: EventRecord): void {
    for (const s of this.#subscribers) {
      try {
        s(event);
      } catch { /* a subscriber's failure is its own */ }
    }
  }

  /** Newest first across both spaces, filtered; never an event past its space's age. */
  async list(q: EventQuery = {}): Promise<EventRecord[]> {
    const limit = Math.min(q.limit ?? 100, 1000);
    const spaces: EventSpace[] = q.kind ? [eventSpace(q.kind)] : ["security", "flow"];
    const now = this.#now();
    const heads = await Promise.all(spaces.map(async (space) => {
      const prefix = PREFIX[space];
      const options: ListOptions = q.before
        ? { reverse: true, before: [prefix, q.before] }
        : { reverse: true };
      const head = {
        it: this.#store.list<EventRecord>([prefix], options)[Symbol.asyncIterator](),
        oldest: now - this.#retention[space].maxAgeMs,
        value: undefined as EventRecord | undefined,
      };
      await next(head);
      return head;
    }));
    const out: EventRecord[] = [];
    while (out.length < limit) {
      let newest: (typeof heads)[number] | undefined;
      for (const h of heads) if (h.value && (!newest || h.value.id > newest.value!.id)) newest = h;
      if (!newest) break;
      const e = newest.value!;
      if (matches(e, q)) out.push(e);
      await next(newest);
    }
    return out;
  }

  /** Calls `fn` for each new event of this process until the returned function is called. */
  subscribe(fn: (e: EventRecord) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  /** Deletes what is beyond the bounds of `space`; serialised per space, cheap when nothing is. */
  #enforce(space: EventSpace, added = 1): Promise<void> {
    const st = this.#state[space];
    const limits = this.#retention[space];
    if (st.count !== undefined) st.count += added;
    const overCount = st.count === undefined || st.count > limits.maxCount;
    const ageDue = this.#now() - st.lastAgeSweep >= Math.min(1000, limits.maxAgeMs);
    if (!overCount && !ageDue) return st.chain;
    const run = st.chain.then(() => this.#prune(space));
    st.chain = run.catch(() => {});
    return st.chain;
  }

  async #prune(space: EventSpace): Promise<void> {
    const st = this.#state[space];
    const limits = this.#retention[space];
    const prefix = PREFIX[space];
    await this.#count(space);
    st.count ??= 0;
    const now = this.#now();
    if (now - st.lastAgeSweep >= Math.min(1000, limits.maxAgeMs)) {
      st.lastAgeSweep = now;
      const cutoff = [prefix, msPrefix(now - limits.maxAgeMs)];
      st.count -= await this.#deleteOldest([prefix], { before: cutoff }, Infinity);
    }
    if (st.count > limits.maxCount) {
      // Down to a little below the bound, so that the next deletion waits for ~1 % more writes.
      const slack = Math.floor(limits.maxCount / 100);
      st.count -= await this.#deleteOldest([prefix], {}, st.count - limits.maxCount + slack);
    }
    st.count = Math.max(0, st.count);
  }

  async #count(space: EventSpace): Promise<void> {
    const st = this.#state[space];
    if (st.count !== undefined) return;
    let n = 0;
    for await (const _ of this.#store.list([PREFIX[space]])) n++;
    st.count = n;
  }

  async #deleteOldest(prefix: StoreKey, range: ListOptions, atMost: number): Promise<number> {
    let deleted = 0;
    let batch: StoreKey[] = [];
    const size = Math.min(DELETE_BATCH, this.#store.limits.maxOperationsPerCommit);
    const flush = async () => {
      await this.#store.commit([], batch.map((key) => ({ type: "delete", key })));
      deleted += batch.length;
      batch = [];
    };
    const options = Number.isFinite(atMost) ? { ...range, limit: atMost } : range;
    for await (const entry of this.#store.list(prefix, options)) {
      batch.push(entry.key);
      if (batch.length >= size) await flush();
    }
    if (batch.length) await flush();
    return deleted;
  }
}

async function next(
  head: { it: AsyncIterator<Entry<EventRecord>>; oldest: number; value: EventRecord | undefined },
) {
  const r = await head.it.next();
  // Newest first: the first event past its age ends this space.
  head.value = r.done || r.value.value.ts < head.oldest ? undefined : r.value.value;
}

function matches(e: EventRecord, q: EventQuery): boolean {
  if (q.kind && (q.kind.endsWith(".") ? !e.kind.startsWith(q.kind) : e.kind !== q.kind)) return false;
  if (q.agent && e.agent !== q.agent && e.tunneler !== q.agent && e.connector !== q.agent) return false;
  if (q.resource && e.resource !== q.resource) return false;
  if (q.since !== undefined && e.ts < q.since) return false;
  if (q.until !== undefined && e.ts > q.until) return false;
  return true;
}
