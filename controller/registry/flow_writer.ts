/**
 * Flow events (`tunnel.*`) reach the store batched and capped, within etcd's write budget: events
 * wait at most `flushEveryMs` and go out in one commit per batch (each within the store's
 * limits); above `maxPerSecond` in one second they are dropped and counted, never queued without
 * bound. Security events never pass here: they are written one by one, never dropped.
 * @module
 */
import { commitSize, type Mutation, type Store, type StoreKey } from "../store/store.ts";
import type { EventRecord } from "./types.ts";

/** Flow events kept per second by default; the rest are dropped and counted. */
export const DEFAULT_FLOW_EVENTS_PER_SECOND = 200;
/** How long a flow event waits for others to share its commit, by default. */
export const DEFAULT_FLOW_FLUSH_MS = 100;
/** Events per commit at most (fewer when the store's limits say so). */
const BATCH = 100;

/** Options of {@link FlowWriter}. */
export interface FlowWriterOptions {
  store: Store;
  /** Where an event goes: its key. */
  keyOf: (e: EventRecord) => StoreKey;
  /** Default {@link DEFAULT_FLOW_EVENTS_PER_SECOND}. */
  maxPerSecond?: number;
  /** Default {@link DEFAULT_FLOW_FLUSH_MS}. */
  flushEveryMs?: number;
  /** Clock; default Date.now. */
  now?: () => number;
  /** Told of each event dropped over the cap (the metric). */
  onDrop?: () => void;
  /** Told how many events a commit stored (retention counts them); its events resolve after it. */
  onStored?: (n: number) => Promise<void> | void;
}

interface Pending {
  event: EventRecord;
  done: PromiseWithResolvers<void>;
}

/** The batching, capped writer of flow events. */
export class FlowWriter {
  readonly #o: Required<FlowWriterOptions>;
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #second = -1;
  #inSecond = 0;
  #dropped = 0;
  #commits = 0;

  constructor(o: FlowWriterOptions) {
    this.#o = {
      maxPerSecond: DEFAULT_FLOW_EVENTS_PER_SECOND,
      flushEveryMs: DEFAULT_FLOW_FLUSH_MS,
      now: Date.now,
      onStored: () => {},
      onDrop: () => {},
      ...o,
    };
  }

  /** Events dropped over the cap so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Commits made so far. */
  get commits(): number {
    return this.#commits;
  }

  /**
   * Queues `event`: resolves once it is stored, or at once with false when it is over this
   * second's cap (dropped and counted).
   */
  add(event: EventRecord): { accepted: boolean; stored: Promise<void> } {
    const second = Math.floor(this.#o.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= this.#o.maxPerSecond) {
      this.#dropped++;
      this.#o.onDrop();
      return { accepted: false, stored: Promise.resolve() };
    }
    this.#inSecond++;
    const done = Promise.withResolvers<void>();
    this.#queue.push({ event, done });
    if (this.#queue.length >= this.#batchSize()) this.#flushSoon(0);
    else this.#flushSoon(this.#o.flushEveryMs);
    return { accepted: true, stored: done.promise };
  }

  /** Writes everything queued now; resolves when it is stored (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return this.#writing;
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  #flushSoon(ms: number): void {
    if (ms > 0 && this.#timer !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), ms);
  }

  #batchSize(): number {
    return Math.max(1, Math.min(BATCH, this.#o.store.limits.maxOperationsPerCommit));
  }

  /** One commit per chunk that fits the store's limits (operations and bytes). */
  async #write(batch: Pending[]): Promise<void> {
    const limits = this.#o.store.limits;
    let chunk: Pending[] = [];
    let mutations: Mutation[] = [];
    let bytes = 0;
    const commit = async () => {
      if (chunk.length === 0) return;
      const [these, ms] = [chunk, mutations];
      chunk = [];
      mutations = [];
      bytes = 0;
      try {
        await this.#o.store.commit([], ms);
        this.#commits++;
        await Promise.resolve(this.#o.onStored(these.length)).catch(() => {});
        for (const p of these) p.done.resolve();
      } catch (e) {
        for (const p of these) p.done.reject(e);
      }
    };
    for (const p of batch) {
      const m: Mutation = { type: "set", key: this.#o.keyOf(p.event), value: p.event };
      const size = commitSize([], [m]);
      if (mutations.length + 1 > this.#batchSize() || bytes + size > limits.maxCommitBytes) await commit();
      chunk.push(p);
      mutations.push(m);
      bytes += size;
    }
    await commit();
  }
}
