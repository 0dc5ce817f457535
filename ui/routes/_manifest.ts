/** The route table, Fresh-style: URL pattern → route module (first match wins). */
import type { RouteModule } from "../context.ts";
import { deleteRoute } from "./access/delete.tsx";
import { detailRoute } from "./access/detail.tsx";
import { listRoute } from "./access/list.tsx";
import { resourceSections } from "./access/resource_sections.tsx";
import * as adminProxy from "./api/admin/proxy.ts";
import * as apiKeys from "./api_keys/index.tsx";
import * as apiKeyRevoke from "./api_keys/revoke.tsx";
import * as connectorAllowlist from "./connectors/allowlist.tsx";
import * as connectorDetail from "./connectors/detail.tsx";
import * as connectors from "./connectors/index.tsx";
import * as connectorResources from "./connectors/resources.tsx";
import * as connectorRevoke from "./connectors/revoke.tsx";
import * as events from "./events.tsx";
import * as favicon from "./favicon.ts";
import * as failureModes from "./docs/failure_modes.tsx";
import * as healthz from "./healthz.ts";
import * as index from "./index.tsx";
import * as login from "./login.tsx";
import * as logout from "./logout.ts";
import * as outage from "./outage.ts";
import * as staticFiles from "./static.ts";
import * as tokens from "./tokens/index.tsx";
import * as traffic from "./traffic.ts";
import * as tokenRevoke from "./tokens/revoke.tsx";
import * as tunnelerDetail from "./tunnelers/detail.tsx";
import * as tunnelers from "./tunnelers/index.tsx";
import * as tunnelerRevoke from "./tunnelers/revoke.tsx";

/** `[pathname pattern, module]` pairs. */
export const ROUTES: [string, RouteModule][] = [
  ["/static/*", staticFiles],
  ["/healthz", healthz],
  ["/favicon.ico", favicon],
  ["/login", login],
  ["/logout", logout],
  ["/api/admin/*", adminProxy],
  ["/api/traffic", traffic],
  ["/api/outage", outage],
  ["/", index],
  ["/connectors", connectors],
  ["/connectors/:id", connectorDetail],
  ["/connectors/:id/allowlist", connectorAllowlist],
  ["/connectors/:id/resources", connectorResources],
  ["/connectors/:id/revoke", connectorRevoke],
  ["/tunnelers", tunnelers],
  ["/tunnelers/:id", tunnelerDetail],
  ["/tunnelers/:id/revoke", tunnelerRevoke],
  ["/resources", listRoute("resources")],
  ["/resources/:name", detailRoute("resources", resourceSections)],
  ["/resources/:name/delete", deleteRoute("resources")],
  ["/groups", listRoute("groups")],
  ["/groups/:name", detailRoute("groups")],
  ["/groups/:name/delete", deleteRoute("groups")],
  ["/policies", listRoute("policies")],
  ["/policies/:name", detailRoute("policies")],
  ["/policies/:name/delete", deleteRoute("policies")],
  ["/tokens", tokens],
  ["/tokens/:id/revoke", tokenRevoke],
  ["/api-keys", apiKeys],
  ["/api-keys/:id/revoke", apiKeyRevoke],
  ["/events", events],
  ["/docs/failure-modes", failureModes],
];
