/**
 * `/api/admin/*` for a logged-in operator: forwards the request to the controller with the bearer
 * token added on the server (failure mode 6.1: every contract route answers, none 404s here).
 * Controller answers pass through with their status and body, server-sent events stream through;
 * an unreachable controller is a 502 with a JSON error. Writes need the session's CSRF token in
 * the X-CSRF-Token header. Writes to `/api/admin/ca/*` are never forwarded: a CA private key does
 * not pass through a browser and the UI (docs/admin-api.md, "CA and rotation").
 */
import { ControllerUnreachableError } from "../../../lib/admin_client.ts";
import { readBody } from "../../../lib/body.ts";
import { crossSite, csrfOk, type Handler, json, LIMITS, type RouteModule } from "../../../context.ts";
import { withFailureMode } from "../../../../shared/failure_modes/format.ts";

/** The answer to a write under /api/admin/ca/. */
export const CA_WRITE_REFUSED =
  "CA rotation is not done through the UI: run postern-controller ca prepare|activate|retire, or call the admin API over HTTPS or from loopback (docs/ca-rotation.md)";

/** True for `/api/admin/ca` and everything below it, however the path is spelled. */
export function isCaPath(pathname: string): boolean {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch { /* undecodable: judge the raw text */ }
  path = path.replace(/\\/g, "/").replace(/\/{2,}/g, "/").toLowerCase();
  return /^\/api\/admin\/ca(?:[/;.?#]|$)/.test(path);
}

const PASS_REQUEST_HEADERS = ["content-type", "accept", "last-event-id"];
const PASS_RESPONSE_HEADERS = ["content-type", "cache-control", "retry-after", "location", "etag"];

const proxy: Handler = async ({ req, url, session, deps }) => {
  const write = !["GET", "HEAD"].includes(req.method);
  if (write && isCaPath(url.pathname)) {
    await req.body?.cancel().catch(() => {});
    deps.logger.warn("refused a CA write through the UI", { method: req.method, path: url.pathname });
    return json({ error: CA_WRITE_REFUSED }, 403);
  }
  if (write && (crossSite(req) || !csrfOk(req.headers.get("x-csrf-token"), session.csrf))) {
    return json({ error: "missing or invalid X-CSRF-Token header: reload the page and try again" }, 403);
  }
  const headers = new Headers();
  for (const name of PASS_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value) headers.set(name, value);
  }
  let upstream: Response;
  try {
    upstream = await deps.client.raw(url.pathname + url.search, {
      method: req.method,
      headers,
      body: write
        ? await readBody(req, {
          limit: LIMITS.proxiedBodyBytes,
          deadlineMs: LIMITS.bodyDeadlineMs,
        }) as BodyInit
        : null,
    });
  } catch (error) {
    if (error instanceof ControllerUnreachableError) {
      deps.logger.warn("controller unreachable", { path: url.pathname, error: error.message });
      return json({ error: error.message }, 502);
    }
    throw error;
  }
  if (upstream.status === 404) {
    // 6.1: the UI serves every contract route, so a 404 is the controller's (an unknown id, or a
    // controller of another version): logged with its id so that an operator can look it up.
    deps.logger.warn(
      withFailureMode("6.1", `404 Not Found from the controller: ${req.method} ${url.pathname}`),
      {
        method: req.method,
        path: url.pathname,
        status: 404,
        failure_mode: "6.1",
      },
    );
  } else if (upstream.status >= 500) {
    deps.logger.warn("controller answered an error", {
      method: req.method,
      path: url.pathname,
      status: upstream.status,
    });
  }
  const out = new Headers();
  for (const name of PASS_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) out.set(name, value);
  }
  if (!out.has("cache-control")) out.set("cache-control", "no-store");
  if (upstream.status === 401) {
    // The controller refused our admin token: the operator is logged in, the UI is misconfigured.
    return json(
      { error: "the controller refused ADMIN_AUTH_TOKEN: check that it matches the controller's" },
      502,
    );
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: out,
  });
};

/** Every method, every path under /api/admin/. */
export const handler: RouteModule["handler"] = {
  GET: proxy,
  HEAD: proxy,
  POST: proxy,
  PUT: proxy,
  DELETE: proxy,
  PATCH: proxy,
};
