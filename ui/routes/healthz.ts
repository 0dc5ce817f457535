/** `/healthz`: liveness of the UI itself. */
import type { RouteModule } from "../context.ts";

export const isPublic = true;

export const handler: RouteModule["handler"] = {
  GET: () => new Response("ok\n", { headers: { "content-type": "text/plain" } }),
};
