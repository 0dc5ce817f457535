import assert from "node:assert/strict";
import { routeLabel, UNMATCHED_ROUTE } from "./route_label.ts";

Deno.test("routeLabel() names the route template, never the raw path", () => {
  const cases: Array<[string, string]> = [
    ["/metrics", "/metrics"],
    ["/api/admin/connectors", "/api/admin/connectors"],
    ["/api/admin/connectors/c1", "/api/admin/connectors/{id}"],
    ["/api/admin/connectors/anything-at-all", "/api/admin/connectors/{id}"],
    ["/api/admin/connectors/c1/allowlist", "/api/admin/connectors/{id}/allowlist"],
    ["/api/admin/ca/rotate/activate", "/api/admin/ca/rotate/activate"],
    ["/api/admin/events/stream", "/api/admin/events/stream"],
    ["/api/admin/connectors/", UNMATCHED_ROUTE],
    ["/api/admin/zzz/c1", UNMATCHED_ROUTE],
    ["/api/admin/ca/rotate/explode", UNMATCHED_ROUTE],
    ["/random/" + crypto.randomUUID(), UNMATCHED_ROUTE],
    ["/metrics/", UNMATCHED_ROUTE],
    ["/", UNMATCHED_ROUTE],
  ];
  for (const [path, label] of cases) assert.equal(routeLabel(path), label, path);
});
