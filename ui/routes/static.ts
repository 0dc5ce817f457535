/** `/static/*`: the stylesheet and the islands bundle. */
import { serveStatic } from "../lib/assets.ts";
import type { RouteModule } from "../context.ts";

/** Static files are public (the login page needs the stylesheet). */
export const isPublic = true;

export const handler: RouteModule["handler"] = {
  GET: ({ req, url, deps }) => serveStatic(deps.assets, req, url.pathname),
};
