/**
 * Throughput over the last hour, from the byte counters the agents report in their heartbeats
 * (`bytes_in`/`bytes_out` of `/api/admin/connectors` and `/tunnelers`, totals since each agent
 * started). The admin API keeps only the latest counters, so the UI samples them every
 * {@link SAMPLE_INTERVAL_MS} and keeps an hour of samples per agent in memory (bounded: at most
 * {@link MAX_AGENTS} agents per role; a restart of the UI starts an empty history). A counter
 * that goes down means the agent restarted: the new value counts from zero.
 * @module
 */

/** How often the sampler reads the counters. */
export const SAMPLE_INTERVAL_MS = 5_000;
/** The window kept and charted. */
export const WINDOW_MS = 3_600_000;
/** Agents tracked per role; the least recently reported are dropped beyond it. */
export const MAX_AGENTS = 2_000;

/** The roles sampled, as the admin API names the collections. */
export type TrafficRole = "connectors" | "tunnelers";

/** One sample of an agent's counters. */
interface Sample {
  t: number;
  in: number;
  out: number;
}

/** Throughput between two samples: bytes per second each way, at the later sample's time. */
export interface RatePoint {
  t: number;
  in: number;
  out: number;
}

/** A chart's data: the points, the window's bytes each way, and the time it ends. */
export interface TrafficSeries {
  points: RatePoint[];
  bytesIn: number;
  bytesOut: number;
  now: number;
}

/** What the sampler reads of an agent. */
export interface CounterReport {
  id: string;
  bytes_in?: number | null;
  bytes_out?: number | null;
}

const count = (n: unknown): number | undefined =>
  typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;

/** Samples of every agent, per role. */
export class TrafficHistory {
  readonly #samples: Record<TrafficRole, Map<string, Sample[]>> = {
    connectors: new Map(),
    tunnelers: new Map(),
  };

  /** Records the counters `agents` reported, read at `now`. */
  record(role: TrafficRole, agents: readonly CounterReport[], now = Date.now()): void {
    const map = this.#samples[role];
    for (const a of agents) {
      const bytesIn = count(a.bytes_in), bytesOut = count(a.bytes_out);
      if (typeof a.id !== "string" || bytesIn === undefined || bytesOut === undefined) continue;
      const list = map.get(a.id) ?? [];
      map.delete(a.id); // re-inserted last: the map's order is the order of the latest report
      list.push({ t: now, in: bytesIn, out: bytesOut });
      while (list.length > 0 && list[0]!.t < now - WINDOW_MS) list.shift();
      map.set(a.id, list);
    }
    for (const id of map.keys()) {
      if (map.size <= MAX_AGENTS) break;
      map.delete(id);
    }
  }

  /** The throughput of one agent over the window ending at `now`. */
  series(role: TrafficRole, id: string, now = Date.now()): TrafficSeries {
    return summarise(rates(this.#samples[role].get(id) ?? [], now), now);
  }

  /** The throughput of every agent of `role` added up, per sample interval. */
  total(role: TrafficRole, now = Date.now()): TrafficSeries {
    const buckets = new Map<number, Step>();
    for (const list of this.#samples[role].values()) {
      for (const p of rates(list, now)) {
        const t = Math.ceil(p.t / SAMPLE_INTERVAL_MS) * SAMPLE_INTERVAL_MS;
        const b = buckets.get(t) ?? { t, in: 0, out: 0, bytesIn: 0, bytesOut: 0 };
        b.in += p.in;
        b.out += p.out;
        b.bytesIn += p.bytesIn;
        b.bytesOut += p.bytesOut;
        buckets.set(t, b);
      }
    }
    return summarise([...buckets.values()].sort((a, b) => a.t - b.t), now);
  }
}

/** A rate and the bytes it stands for. */
interface Step extends RatePoint {
  bytesIn: number;
  bytesOut: number;
}

/** The rate between each pair of consecutive samples within the window; a lower counter counts from zero. */
function rates(list: readonly Sample[], now: number): Step[] {
  const out: Step[] = [];
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!, b = list[i]!;
    if (b.t < now - WINDOW_MS || b.t <= a.t) continue;
    const secs = (b.t - a.t) / 1000;
    const dIn = b.in >= a.in ? b.in - a.in : b.in;
    const dOut = b.out >= a.out ? b.out - a.out : b.out;
    out.push({ t: b.t, in: dIn / secs, out: dOut / secs, bytesIn: dIn, bytesOut: dOut });
  }
  return out;
}

function summarise(steps: Step[], now: number): TrafficSeries {
  let bytesIn = 0, bytesOut = 0;
  for (const s of steps) {
    bytesIn += s.bytesIn;
    bytesOut += s.bytesOut;
  }
  const points = steps.map((s) => ({ t: s.t, in: Math.round(s.in), out: Math.round(s.out) }));
  return { points, bytesIn, bytesOut, now };
}

/**
 * Reads both roles' counters every {@link SAMPLE_INTERVAL_MS} with `fetchRole` into `history`
 * until the returned stop function is called. A failed read is skipped (the chart shows a gap).
 */
export function startTrafficSampler(
  history: TrafficHistory,
  fetchRole: (role: TrafficRole) => Promise<CounterReport[]>,
  onError: (error: unknown) => void,
  intervalMs = SAMPLE_INTERVAL_MS,
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const role of ["connectors", "tunnelers"] as const) {
        history.record(role, await fetchRole(role));
      }
    } catch (e) {
      onError(e);
    } finally {
      running = false;
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}
