/** A throughput chart island for one agent, or for every connector added up (the dashboard). */
import type { AppDeps } from "../context.ts";
import type { TrafficRole } from "../lib/traffic_history.ts";
import { Island } from "./Island.tsx";

/** The `TrafficChart` island with its data rendered on the server; the chart's id is `throughput`. */
export function TrafficPanel(props: { deps: AppDeps; role: TrafficRole; id?: string; label: string }) {
  const { traffic } = props.deps;
  const series = props.id === undefined ? traffic.total(props.role) : traffic.series(props.role, props.id);
  const src = `/api/traffic?role=${props.role}${
    props.id === undefined ? "" : `&id=${encodeURIComponent(props.id)}`
  }`;
  return <Island name="TrafficChart" props={{ src, id: "throughput", label: props.label, series }} />;
}
