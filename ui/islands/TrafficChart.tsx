/// <reference lib="dom" />
import type { TrafficSeries } from "../lib/traffic_history.ts";
import { ThroughputChart } from "./_chart.tsx";
import { useLiveJson } from "./_live.ts";

/** Props of TrafficChart: where its data comes from (`/api/traffic?…`) and the server's rendering of it. */
export interface TrafficChartProps {
  src: string;
  id: string;
  label: string;
  series: TrafficSeries;
}

/** A throughput chart over the last hour, kept live (refetched on every event and every 5 s). */
export default function TrafficChart(props: TrafficChartProps) {
  const { data } = useLiveJson<TrafficSeries>(props.src, props.series, false);
  return <ThroughputChart id={props.id} label={props.label} series={data} />;
}
