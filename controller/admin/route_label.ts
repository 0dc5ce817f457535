/**
 * The metric label of an admin request: the template of the route it asked for
 * (`/api/admin/connectors/{id}`), or `unmatched`. A label never carries the raw path, so
 * requests for random paths cannot grow the metrics page or the controller's memory.
 * @module
 */

/** The label of every path that is no route below. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Every route of the admin site as a template: `{…}` matches one non-empty path segment, any
 * other segment only itself. A route added to the router gets its line here.
 */
export const ROUTE_TEMPLATES: readonly string[] = [
  "/healthz",
  "/readyz",
  "/metrics",
  "/api/admin/tokens",
  "/api/admin/tokens/{id}",
  "/api/admin/connectors",
  "/api/admin/connectors/{id}",
  "/api/admin/connectors/{id}/allowlist",
  "/api/admin/connectors/{id}/resources",
  "/api/admin/tunnelers",
  "/api/admin/tunnelers/{id}",
  "/api/admin/tunnelers/{id}/access",
  "/api/admin/resources",
  "/api/admin/resources/{name}",
  "/api/admin/resources/{name}/access",
  "/api/admin/groups",
  "/api/admin/groups/{name}",
  "/api/admin/policies",
  "/api/admin/policies/{name}",
  "/api/admin/api-keys",
  "/api/admin/api-keys/{id}",
  "/api/admin/events",
  "/api/admin/events/stream",
  "/api/admin/ca",
  "/api/admin/ca/rotate/prepare",
  "/api/admin/ca/rotate/activate",
  "/api/admin/ca/rotate/retire",
];

const COMPILED = ROUTE_TEMPLATES.map((t) => ({ template: t, segments: t.split("/") }));

/** The template that `pathname` matches, or {@link UNMATCHED_ROUTE}. */
export function routeLabel(pathname: string): string {
  const segments = pathname.split("/");
  for (const { template, segments: want } of COMPILED) {
    if (want.length !== segments.length) continue;
    if (want.every((w, i) => (w.startsWith("{") ? segments[i] !== "" : w === segments[i]))) return template;
  }
  return UNMATCHED_ROUTE;
}
