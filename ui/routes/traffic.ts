/**
 * `GET /api/traffic?role=connectors|tunnelers[&id=ID]`: the UI's own sampled throughput over the
 * last hour (ui/lib/traffic_history.ts) for one agent, or every agent of the role added up. For
 * the charts' islands; a session is required as for every page.
 */
import { json, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  GET(ctx) {
    const role = ctx.url.searchParams.get("role");
    if (role !== "connectors" && role !== "tunnelers") {
      return json({ error: `invalid role ${JSON.stringify(role)}: use "connectors" or "tunnelers"` }, 400);
    }
    const id = ctx.url.searchParams.get("id");
    const { traffic } = ctx.deps;
    return json(id === null ? traffic.total(role) : traffic.series(role, id));
  },
};
