/**
 * The audit trail: events in KV under sortable ids, with in-process subscribers for SSE.
 * @module
 */
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
  return now.toString(16).padStart(13, "0") + seq.toString(16).padStart(4, "0") +
    Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Filters of {@link EventLog.list}. */
export interface EventQuery {
  kind?: string;
  agent?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Only events with an id lower than this (paging cursor). */
  before?: string;
}

/** The audit trail. */
export class EventLog {
  readonly #kv: Deno.Kv;
  readonly #subscribers = new Set<(e: EventRecord) => void>();
  readonly #now: () => number;

  /** @param now clock, default Date.now */
  constructor(kv: Deno.Kv, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  /** Records an event and tells subscribers. */
  async append(kind: string, message: string, fields: Partial<EventRecord> = {}): Promise<EventRecord> {
    const ts = this.#now();
    const event: EventRecord = { ...fields, id: eventId(ts), ts, kind, message };
    await this.#kv.set(["events", event.id], event);
    for (const s of this.#subscribers) {
      try {
        s(event);
      } catch { /* a subscriber's failure is its own */ }
    }
    return event;
  }

  /** Newest first, filtered. */
  async list(q: EventQuery = {}): Promise<EventRecord[]> {
    const limit = Math.min(q.limit ?? 100, 1000);
    const out: EventRecord[] = [];
    const selector: Deno.KvListSelector = q.before
      ? { prefix: ["events"], end: ["events", q.before] }
      : { prefix: ["events"] };
    for await (const entry of this.#kv.list<EventRecord>(selector, { reverse: true, batchSize: 500 })) {
      const e = entry.value;
      if (q.kind && e.kind !== q.kind) continue;
      if (q.agent && e.agent !== q.agent) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Calls `fn` for each new event of this process until the returned function is called. */
  subscribe(fn: (e: EventRecord) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }
}
