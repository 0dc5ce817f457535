/** `/`: the dashboard. */
import { Island } from "../components/Island.tsx";
import type { AuditEvent, Connector, Tunneler } from "../lib/admin_client.ts";
import { describeError, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const { client } = ctx.deps;
    let connectors: Connector[] = [], tunnelers: Tunneler[] = [], events: AuditEvent[] = [];
    let error: { status: number; message: string } | undefined;
    try {
      [connectors, tunnelers, events] = await Promise.all([
        client.list<Connector>("/api/admin/connectors", "connectors"),
        client.list<Tunneler>("/api/admin/tunnelers", "tunnelers"),
        client.list<AuditEvent>("/api/admin/events?limit=10", "events"),
      ]);
    } catch (e) {
      error = describeError(e);
    }
    const now = Date.now();
    return ctx.page(
      "Dashboard",
      <>
        <h1>Dashboard</h1>
        <Island name="Dashboard" props={{ connectors, tunnelers, now }} />
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
