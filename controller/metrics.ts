/**
 * Prometheus counters and gauges of the controller, rendered as text exposition format.
 * @module
 */

import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";

type Labels = Record<string, string>;

/** Why an enrollment was refused: the fixed label set of `postern_enrollment_refusals_total`. */
export const ENROLLMENT_REFUSAL_REASONS = [
  "too_large",
  "bad_request",
  "invalid_token",
  "token_bound_elsewhere",
  "id_named",
  "already_enrolled",
] as const;

/**
 * The failure modes the controller detects, the fixed label set of `postern_failures_total{mode}`:
 * refused tokens (1.2), refused callers (2.1 no or untrusted certificate, 2.3 wrong role), agents
 * gone OFFLINE (3.2) and renewals with a certificate of an untrusted CA (4.2). The others are
 * seen by agents, the UI or systemd, or stop the controller before it serves metrics.
 */
export const CONTROLLER_FAILURE_MODES = [
  "1.2",
  "2.1",
  "2.3",
  "3.2",
  "4.2",
] as const satisfies readonly FailureModeId[];

/** One of {@link ENROLLMENT_REFUSAL_REASONS}. */
export type EnrollmentRefusalReason = typeof ENROLLMENT_REFUSAL_REASONS[number];

/**
 * Series one metric may hold. Labels come from fixed sets and route templates; this bound is the
 * defence in depth should a label ever carry a caller's text: further series are dropped and
 * counted in `postern_metric_series_dropped_total`.
 */
export const MAX_SERIES_PER_METRIC = 1000;

function key(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`)
    .join(",");
}

/** The controller's metrics. Gauges that mirror live state are supplied by callbacks at render time. */
export class Metrics {
  readonly #counters = new Map<string, Map<string, number>>();
  readonly #help = new Map<string, [string, string]>();
  readonly #gauges = new Map<string, () => Array<[Labels, number]>>();
  readonly #durations = new Map<string, { sum: number; count: number; buckets: number[] }>();
  static readonly BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

  constructor() {
    this.#describe("postern_enrollments_total", "counter", "Enrollments by role and result.");
    this.#describe("postern_renewals_total", "counter", "Renewals by role and result.");
    this.#describe(
      "postern_heartbeats_total",
      "counter",
      "Heartbeats received (connectors and relayed tunnelers).",
    );
    this.#describe("postern_admin_request_duration_seconds", "histogram", "Admin API request durations.");
    this.#describe(
      "postern_enrollment_refusals_total",
      "counter",
      "Enrollment refusals by reason (a fixed set).",
    );
    this.#describe(
      "postern_refusals_suppressed_total",
      "counter",
      "Refusals not logged or recorded as events one by one because their source exceeded its rate.",
    );
    this.#describe(
      "postern_metric_series_dropped_total",
      "counter",
      `Label sets not recorded because a metric already held ${MAX_SERIES_PER_METRIC} series.`,
    );
    this.#describe(
      "postern_grpc_handshakes_closed_total",
      "counter",
      "gRPC connections closed before their TLS handshake finished: over the unfinished-handshake limit, or timed out.",
    );
    this.#describe(
      "postern_failures_total",
      "counter",
      "Occurrences of each failure mode of docs/failure-modes.md the controller detects, by id.",
    );
    for (const mode of CONTROLLER_FAILURE_MODES) this.inc("postern_failures_total", { mode }, 0);
    for (const reason of ENROLLMENT_REFUSAL_REASONS) {
      this.inc("postern_enrollment_refusals_total", { reason }, 0);
    }
    this.inc("postern_refusals_suppressed_total", {}, 0);
    this.#describe(
      "postern_flow_events_dropped_total",
      "counter",
      "Flow events (tunnel.*) not stored because they came over the per-second cap.",
    );
    this.inc("postern_flow_events_dropped_total", {}, 0);
    this.#describe(
      "postern_event_loop_stalls_total",
      "counter",
      "Times the event loop was blocked longer than `over` seconds (garbage collection, a long render).",
    );
  }

  #describe(name: string, type: string, help: string): void {
    this.#help.set(name, [type, help]);
  }

  /** Counts one occurrence of failure mode `mode` in `postern_failures_total{mode}`. */
  failure(mode: FailureModeId): void {
    this.inc("postern_failures_total", { mode });
  }

  /** Adds `by` to a counter. */
  inc(name: string, labels: Labels = {}, by = 1): void {
    let series = this.#counters.get(name);
    if (!series) this.#counters.set(name, series = new Map());
    const k = key(labels);
    const now = series.get(k);
    if (now === undefined && series.size >= MAX_SERIES_PER_METRIC) return this.#dropped();
    series.set(k, (now ?? 0) + by);
  }

  #dropped(): void {
    this.inc("postern_metric_series_dropped_total");
  }

  /** The current value of a counter series (tests). */
  value(name: string, labels: Labels = {}): number {
    return this.#counters.get(name)?.get(key(labels)) ?? 0;
  }

  /** Registers a gauge computed at render time. */
  gauge(name: string, help: string, read: () => Array<[Labels, number]>): void {
    this.#describe(name, "gauge", help);
    this.#gauges.set(name, read);
  }

  /** Records an admin request duration in seconds, labelled by route. */
  observe(route: string, seconds: number): void {
    let d = this.#durations.get(route);
    if (!d && this.#durations.size >= MAX_SERIES_PER_METRIC) return this.#dropped();
    if (!d) this.#durations.set(route, d = { sum: 0, count: 0, buckets: Metrics.BUCKETS.map(() => 0) });
    d.sum += seconds;
    d.count++;
    Metrics.BUCKETS.forEach((b, i) => {
      if (seconds <= b) d.buckets[i]!++;
    });
  }

  /** Prometheus text format. */
  render(): string {
    const out: string[] = [];
    const head = (name: string) => {
      const [type, help] = this.#help.get(name) ?? ["untyped", name];
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    for (const [name, series] of this.#counters) {
      head(name);
      for (const [k, v] of series) out.push(`${name}${k ? `{${k}}` : ""} ${v}`);
    }
    for (const name of ["postern_heartbeats_total"]) {
      if (!this.#counters.has(name)) {
        head(name);
        out.push(`${name} 0`);
      }
    }
    for (const [name, read] of this.#gauges) {
      head(name);
      for (const [labels, v] of read()) {
        const k = key(labels);
        out.push(`${name}${k ? `{${k}}` : ""} ${v}`);
      }
    }
    const h = "postern_admin_request_duration_seconds";
    head(h);
    for (const [route, d] of this.#durations) {
      Metrics.BUCKETS.forEach((b, i) =>
        out.push(`${h}_bucket{${key({ route, le: String(b) })}} ${d.buckets[i]}`)
      );
      out.push(`${h}_bucket{${key({ route, le: "+Inf" })}} ${d.count}`);
      out.push(`${h}_sum{${key({ route })}} ${d.sum}`, `${h}_count{${key({ route })}} ${d.count}`);
    }
    return out.join("\n") + "\n";
  }
}
