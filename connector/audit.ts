/**
 * The connector's connection audit queue: tunnel events wait here until the control stream
 * sends them in batches. Bounded: while the controller is unreachable it keeps the latest
 * `max` events, counts the ones it dropped and hands the count out with the next batch.
 * @module
 */
import type { TunnelEventInfo } from "./listener.ts";

/**
 * Events per TunnelEvents message: the controller takes at most 64 KiB per client message
 * (`MAX_CLIENT_MESSAGE_BYTES`), and one event is at most about 700 bytes (destination and
 * error are capped by the listener), so a batch stays near half of that.
 */
export const AUDIT_BATCH = 50;

/** Bounded FIFO of tunnel events. */
export class AuditQueue {
  #events: TunnelEventInfo[] = [];
  #head = 0;
  #dropped = 0;

  /** @param max events kept while nothing takes them (default 10 000) */
  constructor(readonly max = 10_000) {}

  /** Events waiting. */
  get size(): number {
    return this.#events.length - this.#head;
  }

  /** Adds an event; the oldest is dropped (and counted) when the queue is full. */
  push(e: TunnelEventInfo): void {
    if (this.size >= this.max) {
      this.#head++;
      this.#dropped++;
    }
    this.#events.push(e);
    if (this.#head > 4096 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The next batch and the events dropped since the last one; undefined when there is nothing to send. */
  take(batch = AUDIT_BATCH): { events: TunnelEventInfo[]; dropped: number } | undefined {
    if (this.size === 0 && this.#dropped === 0) return undefined;
    const events = this.#events.slice(this.#head, this.#head + batch);
    this.#head += events.length;
    if (this.#head === this.#events.length) {
      this.#events = [];
      this.#head = 0;
    }
    const dropped = this.#dropped;
    this.#dropped = 0;
    return { events, dropped };
  }
}
