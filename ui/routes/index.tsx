/**
 * `/`: the dashboard: counts and live traffic per agent (island), throughput of every connector
 * over the last hour (chart island), the last hour's top resources, top tunnelers and refused
 * attempts (each linking to the filtered events), and the latest activity.
 */
import { FlowSummary } from "../components/FlowSummary.tsx";
import { Island } from "../components/Island.tsx";
import { TrafficPanel } from "../components/TrafficPanel.tsx";
import type { AuditEvent, Connector, Tunneler } from "../lib/admin_client.ts";
import { describeError, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const { client } = ctx.deps;
    const now = Date.now();
    const since = encodeURIComponent(new Date(now - 3_600_000).toISOString());
    let connectors: Connector[] = [], tunnelers: Tunneler[] = [], events: AuditEvent[] = [];
    let closed: AuditEvent[] = [], refused: AuditEvent[] = [];
    let error: { status: number; message: string } | undefined;
    try {
      [connectors, tunnelers, events, closed, refused] = await Promise.all([
        client.list<Connector>("/api/admin/connectors", "connectors"),
        client.list<Tunneler>("/api/admin/tunnelers", "tunnelers"),
        client.list<AuditEvent>("/api/admin/events?limit=10", "events"),
        client.list<AuditEvent>(`/api/admin/events?kind=tunnel.closed&since=${since}&limit=1000`, "events"),
        client.list<AuditEvent>(`/api/admin/events?kind=tunnel.refused&since=${since}&limit=1000`, "events"),
      ]);
    } catch (e) {
      error = describeError(e);
    }
    return ctx.page(
      "Dashboard",
      <>
        <h1>Dashboard</h1>
        <Island name="Dashboard" props={{ connectors, tunnelers, now }} />
        <h2 id="throughput-h">Traffic over the last hour</h2>
        <p class="muted">Every connector's throughput added up, from the counters in their heartbeats.</p>
        <TrafficPanel deps={ctx.deps} role="connectors" label="All connectors" />
        <FlowSummary closed={closed} refused={refused} now={now} />
        <h2>Latest activity</h2>
        <Island name="EventsTable" props={{ events, query: "?limit=10", now, max: 10 }} />
        <p>
          <a href="/events">All events</a>
        </p>
      </>,
      { status: error?.status === 502 ? 502 : 200, error: error?.message },
    );
  },
};
