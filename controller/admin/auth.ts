/**
 * Bearer-token middleware for `/api/admin/*`: missing header 401 with WWW-Authenticate,
 * malformed header 400, wrong token 401; SHA-256 hashes compared in constant time.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { jsonError } from "./http.ts";

/** A request handler; `conn` describes the connection the request came over, when the caller needs it. */
export type Handler<C = void> = (req: Request, conn: C) => Response | Promise<Response>;

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** Wraps `next` so it only runs for a request bearing `token`. */
export function bearerAuth<C = void>(token: string, next: Handler<C>): Handler<C> {
  const expected = digest(token);
  return (req, conn) => {
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
    if (!timingSafeEqual(digest(m[1]!), expected)) {
      return jsonError(401, "invalid admin token", {
        "www-authenticate": 'Bearer realm="postern", error="invalid_token"',
      });
    }
    return next(req, conn);
  };
}
