/**
 * Prometheus counters and gauges of the controller, rendered as text exposition format.
 * @module
 */

type Labels = Record<string, string>;

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
  }

  #describe(name: string, type: string, help: string): void {
    this.#help.set(name, [type, help]);
  }

  /** Adds `by` to a counter. */
  inc(name: string, labels: Labels = {}, by = 1): void {
    let series = this.#counters.get(name);
    if (!series) this.#counters.set(name, series = new Map());
    const k = key(labels);
    series.set(k, (series.get(k) ?? 0) + by);
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
