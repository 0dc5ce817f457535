/**
 * Bearer-token middleware for `/api/admin/*`: missing header 401 with WWW-Authenticate,
 * malformed header 400, wrong or revoked key 401, a `read` key 403 on anything but GET/HEAD.
 * The bootstrap token is compared by SHA-256 hash in constant time, API keys by their stored hash.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ACTOR_HEADER } from "../../shared/admin/actor.ts";
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import type { ApiKeyScope, ApiKeyStore } from "./api_keys.ts";
import { jsonError } from "./http.ts";

/** A request handler; `conn` describes the connection the request came over, when the caller needs it. */
export type Handler<C = void> = (req: Request, conn: C) => Response | Promise<Response>;

/** Who sent an authenticated request: `actor` goes into the events it causes. */
export interface Principal {
  /** The API key's name, `bootstrap`, or `ui:<operator>`. */
  actor: string;
  scope: ApiKeyScope;
}

/** A handler behind {@link bearerAuth}. */
export type AuthedHandler<C = void> = (
  req: Request,
  conn: C,
  principal: Principal,
) => Response | Promise<Response>;

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/**
 * The bootstrap token's principal: `bootstrap`, or `ui:<operator>` when the UI names its operator
 * in ACTOR_HEADER, so that the bootstrap token cannot pass itself off as a named key.
 */
function bootstrapPrincipal(req: Request): Principal | Response {
  const operator = req.headers.get(ACTOR_HEADER);
  if (operator === null) return { actor: "bootstrap", scope: "admin" };
  try {
    return { actor: `ui:${validateAgentId(operator)}`, scope: "admin" };
  } catch (e) {
    return jsonError(400, `invalid ${ACTOR_HEADER} header: ${(e as Error).message}`);
  }
}

/**
 * Wraps `next` so it only runs for a request bearing the bootstrap `token` or, with `keys`, a live
 * API key; a `read` key is refused (403) on every method but GET and HEAD.
 */
export function bearerAuth<C = void>(token: string, next: AuthedHandler<C>, keys?: ApiKeyStore): Handler<C> {
  const expected = digest(token);
  return async (req, conn) => {
    const header = req.headers.get("authorization");
    if (header === null) {
      return jsonError(401, "missing Authorization header: send Authorization: Bearer <ADMIN_AUTH_TOKEN>", {
        "www-authenticate": 'Bearer realm="postern"',
      });
    }
    const m = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    if (!m) {
      return jsonError(400, "malformed Authorization header: use Bearer <ADMIN_AUTH_TOKEN>", {
        "www-authenticate": 'Bearer realm="postern", error="invalid_request"',
      });
    }
    let principal: Principal | Response;
    if (timingSafeEqual(digest(m[1]!), expected)) principal = bootstrapPrincipal(req);
    else {
      const key = await keys?.verify(m[1]!);
      if (key === undefined) {
        return jsonError(401, "invalid admin token", {
          "www-authenticate": 'Bearer realm="postern", error="invalid_token"',
        });
      }
      principal = { actor: key.name, scope: key.scope };
    }
    if (principal instanceof Response) return principal;
    if (principal.scope === "read" && req.method !== "GET" && req.method !== "HEAD") {
      await req.body?.cancel().catch(() => {});
      return jsonError(403, `API key "${principal.actor}" has scope read: it may only GET`);
    }
    return await next(req, conn, principal);
  };
}
