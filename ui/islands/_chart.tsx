/** The throughput chart: an SVG of bytes per second each way over the last hour (server and island alike). */
import { formatBytes } from "../lib/format.ts";
import type { TrafficSeries } from "../lib/traffic_history.ts";

const W = 600, H = 140, PAD = 4;
/** The window charted (the history's WINDOW_MS; kept here so that the bundle does not take the class). */
const WINDOW = 3_600_000;
/** The sampling interval (the history's SAMPLE_INTERVAL_MS), the span of a first point. */
const SAMPLE = 5_000;

/** `12 KiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** A step line: each point's rate held over the interval it was measured in (from the previous sample). */
function line(series: TrafficSeries, peak: number, key: "in" | "out"): string {
  const x = (t: number) => (PAD + (W - 2 * PAD) * Math.max(0, 1 - (series.now - t) / WINDOW)).toFixed(1);
  const y = (v: number) => (H - PAD - (H - 2 * PAD) * (v / peak)).toFixed(1);
  return series.points.flatMap((p, i) => {
    const from = i > 0 ? series.points[i - 1]!.t : p.t - SAMPLE;
    return [`${x(from)},${y(p[key])}`, `${x(p.t)},${y(p[key])}`];
  }).join(" ");
}

/** The chart of `series`; `id` names it (`#<id>`), `label` says whose traffic it is. */
export function ThroughputChart(props: { id: string; label: string; series: TrafficSeries }) {
  const s = props.series;
  const peak = Math.max(1, ...s.points.map((p) => Math.max(p.in, p.out)));
  const summary = `${props.label}: ${formatBytes(s.bytesIn)} in and ${
    formatBytes(s.bytesOut)
  } out in the last hour, peak ${formatRate(peak)}`;
  return (
    <figure class="chart" id={props.id}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={summary}
        data-bytes-in={s.bytesIn}
        data-bytes-out={s.bytesOut}
        data-points={s.points.length}
        preserveAspectRatio="none"
      >
        <line class="axis" x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} />
        <line class="grid" x1={PAD} y1={PAD} x2={W - PAD} y2={PAD} />
        {s.points.length > 0 && <polyline class="in" points={line(s, peak, "in")} />}
        {s.points.length > 0 && <polyline class="out" points={line(s, peak, "out")} />}
      </svg>
      <figcaption>
        <span class="legend in">in {formatBytes(s.bytesIn)}</span>{" "}
        <span class="legend out">out {formatBytes(s.bytesOut)}</span>{" "}
        <span class="muted">
          last hour · peak {formatRate(peak)}
          {s.points.length === 0 && " · sampled every 5 s: the chart fills in as heartbeats report"}
        </span>
      </figcaption>
    </figure>
  );
}
