/// <reference lib="dom" />
/**
 * Live data for islands: one stream of server-sent events per page (through the UI's proxy at
 * /api/admin/events/stream) and a refetch of each island's source on every event, with a slow
 * poll as a fallback. Read with fetch so that named and unnamed SSE events both count.
 */
import { useEffect, useState } from "preact/hooks";

type Listener = () => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<(error: string | null) => void>();
let started = false;

function notify(error: string | null): void {
  for (const l of statusListeners) l(error);
}

async function streamLoop(): Promise<void> {
  let delay = 500;
  while (true) {
    try {
      const res = await fetch("/api/admin/events/stream", { headers: { accept: "text/event-stream" } });
      if (res.status === 401) {
        location.href = "/login";
        return;
      }
      if (!res.ok || !res.body) throw new Error(`events stream answered ${res.status}`);
      notify(null);
      delay = 500;
      for (const l of listeners) l(); // catch up on anything missed while disconnected
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? "";
        if (blocks.some((b) => /^(data|event):/m.test(b))) { for (const l of listeners) l(); }
      }
      throw new Error("events stream ended");
    } catch (error) {
      notify((error as Error).message);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

/** Calls `onEvent` for every live event while mounted (starting the shared stream once). */
export function useLiveEvents(onEvent: Listener): void {
  useEffect(() => {
    listeners.add(onEvent);
    if (!started) {
      started = true;
      streamLoop();
    }
    return () => void listeners.delete(onEvent);
  }, [onEvent]);
}

/** The current time, re-rendering every second (relative times keep ticking). */
export function useNow(initial: number): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function listOf(body: unknown): unknown {
  if (Array.isArray(body) || !body || typeof body !== "object") return body;
  const values = Object.values(body as Record<string, unknown>);
  return values.find(Array.isArray) ?? body;
}

/**
 * `initial` (rendered on the server) kept fresh from `src`: refetched on every live event
 * (coalesced) and every 5 s. Returns the data and the last error, if any.
 */
export function useLiveJson<T>(src: string, initial: T, unwrap = true): { data: T; error: string | null } {
  const [data, setData] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [refresh] = useState(() => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    let again = false;
    const run = async () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      try {
        const res = await fetch(src, { headers: { accept: "application/json" } });
        if (res.status === 401) location.href = "/login";
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(body?.error ?? `${src} answered ${res.status}`);
        setData((unwrap ? listOf(body) : body) as T);
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        inFlight = false;
        if (again) {
          again = false;
          run();
        }
      }
    };
    return () => {
      clearTimeout(pending);
      pending = setTimeout(run, 50);
    };
  });
  useLiveEvents(refresh);
  useEffect(() => {
    const timer = setInterval(refresh, 5000);
    const stream = (e: string | null) => e && setError(`live updates paused: ${e}`);
    statusListeners.add(stream);
    return () => {
      clearInterval(timer);
      statusListeners.delete(stream);
    };
  }, [refresh]);
  return { data, error };
}
