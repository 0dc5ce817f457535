/** `/favicon.ico`: nothing (204), so browsers stop asking. */
import type { RouteModule } from "../context.ts";

export const isPublic = true;

export const handler: RouteModule["handler"] = {
  GET: () => new Response(null, { status: 204, headers: { "cache-control": "public, max-age=86400" } }),
};
