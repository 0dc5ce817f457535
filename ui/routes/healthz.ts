/** `/healthz`: liveness of the UI itself; `/favicon.ico`: nothing (204), so browsers stop asking. */
import type { RouteModule } from "../server.tsx";

export const isPublic = true;

export const handler: RouteModule["handler"] = {
  GET: ({ url }) =>
    url.pathname === "/favicon.ico"
      ? new Response(null, { status: 204, headers: { "cache-control": "public, max-age=86400" } })
      : new Response("ok\n", { headers: { "content-type": "text/plain" } }),
};
