/**
 * EVENTS_SINK: every event of the audit trail, as it is recorded, also written as one JSON line
 * (the objects of `GET /api/admin/events`) to a file (appended, created 0600) or to stdout (`-`),
 * for a SIEM or a log collector. Writes are serialised; a failing sink is logged, never fatal.
 * @module
 */
import type { EventLog } from "./registry/events.ts";
import { eventView } from "./registry/events.ts";
import type { Logger } from "../shared/log/logger.ts";

/** A running sink. */
export interface EventsSink {
  /** Unsubscribes, writes what is queued, closes the file. */
  close(): Promise<void>;
}

/** Starts writing every new event of `events` to `target` (`-` or a path). */
export async function startEventsSink(events: EventLog, target: string, log: Logger): Promise<EventsSink> {
  const file = target === "-"
    ? undefined
    : await Deno.open(target, { append: true, create: true, write: true, mode: 0o600 });
  const out = file ?? Deno.stdout;
  const encoder = new TextEncoder();
  let chain = Promise.resolve();
  let failing = false;
  const write = async (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += await out.write(bytes.subarray(off));
  };
  const unsubscribe = events.subscribe((e) => {
    const line = encoder.encode(JSON.stringify(eventView(e)) + "\n");
    chain = chain.then(() => write(line)).then(() => {
      failing = false;
    }, (err) => {
      if (!failing) log.error("cannot write to EVENTS_SINK", { path: target, error: (err as Error).message });
      failing = true;
    });
  });
  log.info("events sink open", { path: target });
  return {
    async close() {
      unsubscribe();
      await chain;
      file?.close();
    },
  };
}
