/** `/healthz`: liveness of the UI itself. */
import type { RouteModule } from "../server.tsx";

export const isPublic = true;

export const handler: RouteModule["handler"] = {
  GET: () => new Response("ok\n", { headers: { "content-type": "text/plain" } }),
};
