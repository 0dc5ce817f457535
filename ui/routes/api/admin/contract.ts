/**
 * The admin API routes (docs/admin-api.md) that the UI serves to a
 * logged-in operator through its proxy. Tests walk this list (failure mode 6.1); `{id}` stands for
 * an agent or token id.
 */
export const ADMIN_ROUTES: ReadonlyArray<readonly [method: string, path: string, body?: unknown]> = [
  ["POST", "/api/admin/tokens", { role: "tunneler", ttl_seconds: 600, note: "route walk" }],
  ["GET", "/api/admin/tokens"],
  ["DELETE", "/api/admin/tokens/{token}"],
  ["GET", "/api/admin/connectors"],
  ["GET", "/api/admin/connectors/{connector}"],
  ["GET", "/api/admin/connectors/{connector}/allowlist"],
  ["PUT", "/api/admin/connectors/{connector}/allowlist", { tunnelers: [] }],
  ["GET", "/api/admin/connectors/{connector}/resources"],
  ["PUT", "/api/admin/connectors/{connector}/resources", { resources: ["db.internal:5432"] }],
  ["GET", "/api/admin/tunnelers"],
  ["GET", "/api/admin/tunnelers/{tunneler}"],
  ["GET", "/api/admin/events"],
  ["GET", "/api/admin/events?kind=token.created&limit=5"],
  ["GET", "/api/admin/events/stream"],
  ["GET", "/api/admin/ca"],
  ["PUT", "/api/admin/resources/route-walk", { address: "db.internal:5432", connectors: ["route-walk"] }],
  ["GET", "/api/admin/resources"],
  ["GET", "/api/admin/resources/route-walk"],
  ["GET", "/api/admin/resources/route-walk/access"],
  ["PUT", "/api/admin/groups/route-walk", { tunnelers: ["route-walk"] }],
  ["GET", "/api/admin/groups"],
  ["GET", "/api/admin/groups/route-walk"],
  ["PUT", "/api/admin/policies/route-walk", { groups: ["route-walk"], resources: ["route-walk"] }],
  ["GET", "/api/admin/policies"],
  ["GET", "/api/admin/policies/route-walk"],
  ["GET", "/api/admin/tunnelers/{tunneler}/access"],
  ["DELETE", "/api/admin/policies/route-walk"],
  ["DELETE", "/api/admin/groups/route-walk"],
  ["DELETE", "/api/admin/resources/route-walk"],
  ["DELETE", "/api/admin/tunnelers/{tunneler}"],
  ["DELETE", "/api/admin/connectors/{connector}"],
];
