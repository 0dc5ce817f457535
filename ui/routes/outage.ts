/**
 * `GET /api/outage`: `{banner}`, the outage banner as the layout renders it now (ui/lib/outage.ts),
 * or `{banner: null}` while the admin API answers. For the OutageBanner island; a session is
 * required as for every page (the banner names agents).
 */
import { json, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  GET(ctx) {
    return json({ banner: ctx.deps.outage.banner() ?? null });
  },
};
