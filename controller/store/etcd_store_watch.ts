/**
 * A Store watch on etcd: one etcd watch stream per Store watch, on a key prefix, written on the
 * raw Watch RPC (etcd3's own watch manager throws an uncaught error when etcd cancels a watch for
 * a compacted revision before confirming its creation, which etcd 3.4 does).
 *
 * After a broken stream the watch reconnects (to any member) and resumes from the revision after
 * the last one it saw, so no change is lost; when etcd cancels it because that revision was
 * compacted, it starts again from the current revision. Either way the holder's `onResync()` runs
 * once the new watch is live, so it re-reads what it caches.
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Etcd3, IWatchResponse } from "etcd3";
import { type EtcdKeys, versionOf } from "./etcd_store_keys.ts";
import type { Watch, WatchEvent, WatchHandler } from "./store.ts";

/** What a watch needs of its store. */
export interface WatchSource {
  client: Etcd3;
  keys: EtcdKeys;
  /** The newest revision the store has seen in a response (0 when none yet). */
  lastRevision(): bigint;
  /** Reports an error of a handler or of etcd (logged by the store). */
  onError(message: string, error: unknown): void;
}

/** Reconnect delays: 100 ms doubling to 2 s, reset once a watch is live. */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/** Starts a watch of the etcd keys in `[start, end)`, for `handler`. */
export function startWatch(source: WatchSource, start: Buffer, end: Buffer, handler: WatchHandler): Watch {
  let closed = false;
  let stream: { cancel(): void } | null = null;
  let wake: (() => void) | null = null;
  const last = source.lastRevision();
  let next: bigint | null = last > 0n ? last + 1n : null; // null: from the current revision
  let resync = false;

  const deliver = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      source.onError("a store watch handler threw", e);
    }
  };

  /** One stream until it breaks or etcd cancels it; true when it had been live. */
  const once = async (): Promise<boolean> => {
    const s = await source.client.watchClient.watch();
    if (closed) {
      s.end();
      return false;
    }
    stream = s as unknown as { cancel(): void };
    let live = false;
    await new Promise<void>((resolve) => {
      wake = resolve;
      s.on("data", (res: IWatchResponse) => {
        if (closed) return;
        if (res.canceled) {
          // Compacted (or refused): start over from now; the holder re-reads.
          if (res.compact_revision && res.compact_revision !== "0") next = null;
          resync = true;
          source.onError(
            "etcd cancelled a store watch, resyncing",
            new Error(res.cancel_reason || "cancelled"),
          );
          resolve();
          return;
        }
        if (res.created) {
          live = true;
          if (resync) {
            resync = false;
            deliver(() => handler.onResync());
          }
        }
        if (res.events.length > 0) {
          const events: WatchEvent[] = res.events.map((ev) => ({
            type: ev.type === "Delete" ? "delete" : "put",
            key: source.keys.decode(ev.kv.key),
            value: ev.type === "Delete" ? null : JSON.parse(ev.kv.value.toString("utf8")),
            version: versionOf(ev.kv.mod_revision),
          }));
          deliver(() => handler.onEvents(events));
        }
        // Resume after the last event; a progress notice (no events) moves the mark to its revision.
        const lastEvent = res.events[res.events.length - 1];
        if (lastEvent) next = BigInt(lastEvent.kv.mod_revision) + 1n;
        else if (!res.created && res.header?.revision) next = BigInt(res.header.revision) + 1n;
      });
      s.on("error", () => resolve());
      s.on("end", () => resolve());
      s.write({
        create_request: {
          key: start,
          range_end: end,
          progress_notify: true,
          ...(next !== null ? { start_revision: String(next) } : {}),
        },
      });
    });
    wake = null;
    stream = null;
    try {
      (s as unknown as { cancel(): void }).cancel();
    } catch { /* already closed */ }
    return live;
  };

  void (async () => {
    let delay = FIRST_DELAY_MS;
    while (!closed) {
      try {
        if (await once()) delay = FIRST_DELAY_MS;
      } catch (e) {
        if (!closed) source.onError("etcd watch stream failed, reconnecting", e);
      }
      if (closed) break;
      resync = true;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delay);
      });
      wake = null;
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  })();

  return {
    close() {
      if (closed) return;
      closed = true;
      try {
        stream?.cancel();
      } catch { /* already closed */ }
      wake?.();
    },
  };
}
