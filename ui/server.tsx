/**
 * A tiny Fresh-shaped server: a route manifest (ui/routes/_manifest.ts) of URL patterns to
 * handlers, session and CSRF checks in front of them, static files, and security headers.
 */
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { HTTP_BOUNDS } from "../shared/http/serve.ts";
import type { Logger } from "../shared/log/logger.ts";
import { clientAddress, type TrustedProxies } from "./auth/client_address.ts";
import { cookieHeader, isHttps, readCookies } from "./auth/cookies.ts";
import { constantTimeEqual } from "./auth/password.ts";
import type { LoginRateLimiter } from "./auth/rate_limit.ts";
import type { Session, SessionStore } from "./auth/sessions.ts";
import { Layout } from "./components/Layout.tsx";
import { BodyTimeoutError, BodyTooLargeError, readForm } from "./lib/body.ts";
import { AdminApiError, type AdminClient, ControllerUnreachableError } from "./lib/admin_client.ts";
import type { Assets } from "./lib/assets.ts";
import { ROUTES } from "./routes/_manifest.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "postern_session";

/** Everything handlers need; built once by main.ts (or a test). */
export interface AppDeps {
  client: AdminClient;
  sessions: SessionStore;
  limiter: LoginRateLimiter;
  /** Reverse proxies whose X-Forwarded-For is believed (`UI_TRUSTED_PROXIES`). */
  trustedProxies: TrustedProxies;
  verifyPassword: (candidate: string) => Promise<boolean>;
  assets: Assets;
  logger: Logger;
  /** gRPC address of the controller for install snippets. */
  controllerAddr: string;
  /** Session lifetime (cookie Max-Age). */
  sessionTtlMs: number;
}

/** Options of Ctx.page(). */
export interface PageOptions {
  status?: number;
  error?: string | undefined;
  notice?: string | undefined;
  headers?: HeadersInit;
}

/** What a handler receives. */
export interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  /**
   * The client's address (login limit, logs): the TCP peer, or the client a trusted proxy names in
   * X-Forwarded-For.
   */
  clientIp: string;
  /** The operator's session; set on every route that is not public. */
  session: Session;
  deps: AppDeps;
  /** Parsed form body of a POST (already CSRF-checked for logged-in routes). */
  form: FormData | undefined;
  /** Renders `children` in the page shell. */
  page(title: string, children: ComponentChildren, options?: PageOptions): Response;
  /** A 303 redirect. */
  redirect(location: string, headers?: HeadersInit): Response;
}

/** What the UI uses of the connection a request came over (the server's HttpConnInfo, or a test's). */
export interface ConnInfo {
  /** The TCP peer, from the socket. */
  remoteAddr: Deno.NetAddr;
}

/** A route handler. */
export type Handler = (ctx: Ctx) => Response | Promise<Response>;

/** A route module: handlers by method (Fresh's `handler` export). */
export interface RouteModule {
  handler: Partial<Record<"GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD", Handler>>;
  /** Reachable without a session (login, static files). */
  isPublic?: boolean;
  /** Largest form body this route reads (default LIMITS.formBytes); larger ones get 413. */
  maxBodyBytes?: number;
}

/**
 * Bounds on what one request may make the UI hold, on top of the shared HTTP server's (idle and
 * slow connections, request heads over HTTP_BOUNDS.maxHeaderBytes: shared/http/serve.ts).
 */
export const LIMITS = {
  /**
   * Total size of the request's header names and values (431 above): the server's own bound,
   * checked again for callers that reach the handler in process.
   */
  headerBytes: HTTP_BOUNDS.maxHeaderBytes,
  /** A page's form body (413 above). */
  formBytes: 256 * 1024,
  /** A write forwarded to the admin API (413 above). */
  proxiedBodyBytes: 1024 * 1024,
  /** Time allowed for a request body to arrive (408 after). */
  bodyDeadlineMs: 10_000,
} as const;

/** Headers every answer carries. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** JSON answer. */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  h.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** The banner text for an error raised while loading page data. */
export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof ControllerUnreachableError) {
    return {
      status: 502,
      message:
        `${error.message}. Check that postern-controller is running and that ADMIN_API_URL points at its admin address.`,
    };
  }
  if (error instanceof AdminApiError) {
    return { status: error.status, message: `The controller answered ${error.status}: ${error.message}` };
  }
  throw error;
}

const COMPILED = ROUTES.map(([pattern, module]) => ({
  pattern: new URLPattern({ pathname: pattern }),
  module,
}));

/** Builds the request handler of the UI. */
export function createApp(deps: AppDeps): (req: Request, info?: ConnInfo) => Promise<Response> {
  return async (req, info) => {
    const res = await guardedRoute(req, info, deps).catch((error) => {
      deps.logger.error("request failed", { path: new URL(req.url).pathname, error: String(error) });
      return new Response("Internal error", { status: 500 });
    });
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!headers.has(k)) headers.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** Size of the request's headers as the UI counts them against LIMITS.headerBytes. */
function headerBytes(req: Request): number {
  let n = 0;
  for (const [name, value] of req.headers) n += name.length + value.length + 4;
  return n;
}

/** route() behind the request bounds: oversized headers 431, bodies 413, slow bodies 408. */
async function guardedRoute(
  req: Request,
  info: ConnInfo | undefined,
  deps: AppDeps,
): Promise<Response> {
  const isApi = new URL(req.url).pathname.startsWith("/api/");
  const refuse = (status: number, message: string) =>
    isApi ? json({ error: message }, status) : new Response(message, { status });
  if (headerBytes(req) > LIMITS.headerBytes) {
    await req.body?.cancel().catch(() => {});
    return refuse(431, `Request headers larger than ${LIMITS.headerBytes} bytes`);
  }
  try {
    return await route(req, info, deps);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return refuse(413, `Request body larger than ${error.limit} bytes`);
    }
    if (error instanceof BodyTimeoutError) return refuse(408, "Request body not received in time");
    throw error;
  }
}

async function route(
  req: Request,
  info: ConnInfo | undefined,
  deps: AppDeps,
): Promise<Response> {
  const url = new URL(req.url);
  const isApi = url.pathname.startsWith("/api/");
  let match: { module: RouteModule; params: Record<string, string> } | undefined;
  for (const { pattern, module } of COMPILED) {
    const m = pattern.exec({ pathname: url.pathname });
    if (m) {
      match = { module, params: m.pathname.groups as Record<string, string> };
      break;
    }
  }
  const session = deps.sessions.get(readCookies(req).get(SESSION_COOKIE));
  if (!match?.module.isPublic && !session) {
    if (isApi) return json({ error: "not logged in: sign in at /login" }, 401);
    const next = url.pathname === "/" ? "" : `?next=${encodeURIComponent(url.pathname + url.search)}`;
    return new Response(null, { status: 303, headers: { location: `/login${next}` } });
  }
  if (!match) {
    return isApi
      ? json({ error: `no such route: ${req.method} ${url.pathname}` }, 404)
      : notFound(deps, session);
  }
  const method = req.method === "HEAD" && !match.module.handler.HEAD ? "GET" : req.method;
  const handler = match.module.handler[method as keyof RouteModule["handler"]];
  if (!handler) {
    return isApi
      ? json({ error: `method ${req.method} not allowed on ${url.pathname}` }, 405)
      : new Response("Method not allowed", { status: 405 });
  }
  let form: FormData | undefined;
  if (req.method === "POST" && !isApi) {
    const type = req.headers.get("content-type") ?? "";
    if (type.includes("form")) {
      try {
        form = await readForm(req, {
          limit: match.module.maxBodyBytes ?? LIMITS.formBytes,
          deadlineMs: LIMITS.bodyDeadlineMs,
        });
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        return new Response("Malformed form body", { status: 400 });
      }
    }
    if (session && !match.module.isPublic && (crossSite(req) || !csrfOk(form?.get("_csrf"), session.csrf))) {
      return new Response("Invalid or missing CSRF token: reload the page and try again", { status: 403 });
    }
  }
  const ctx: Ctx = {
    req,
    url,
    params: match.params,
    clientIp: clientAddress(
      info?.remoteAddr.hostname ?? "unknown",
      req.headers.get("x-forwarded-for"),
      deps.trustedProxies,
    ),
    session: session!,
    deps,
    form,
    page: (title, children, options = {}) =>
      renderPage(deps, url.pathname, session, title, children, options),
    redirect: (location, headers) => {
      const h = new Headers(headers);
      h.set("location", location);
      return new Response(null, { status: 303, headers: h });
    },
  };
  return await handler(ctx);
}

/** True when a browser says the request came from another site (Origin or Sec-Fetch-Site). */
export function crossSite(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host") ?? new URL(req.url).host;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

/** True when `given` equals the session's CSRF token (constant time). */
export function csrfOk(given: FormDataEntryValue | string | null | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const enc = new TextEncoder();
  return constantTimeEqual(enc.encode(given), enc.encode(expected));
}

function renderPage(
  deps: AppDeps,
  path: string,
  session: Session | undefined,
  title: string,
  children: ComponentChildren,
  options: PageOptions,
): Response {
  const html = "<!doctype html>" + renderToString(
    <Layout
      title={title}
      path={path}
      csrf={session?.csrf}
      error={options.error}
      notice={options.notice}
      styleUrl={deps.assets.styleUrl}
      scriptUrl={deps.assets.scriptUrl}
    >
      {children}
    </Layout>,
  );
  const headers = new Headers(options.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return new Response(html, { status: options.status ?? 200, headers });
}

function notFound(deps: AppDeps, session: Session | undefined): Response {
  return renderPage(
    deps,
    "",
    session,
    "Not found",
    <p>
      There is no page here. <a href="/">Dashboard</a>
    </p>,
    {
      status: 404,
    },
  );
}

/** Set-Cookie for a new session. */
export function sessionCookie(req: Request, session: Session, ttlMs: number): string {
  return cookieHeader(SESSION_COOKIE, session.id, { secure: isHttps(req), maxAge: Math.floor(ttlMs / 1000) });
}

/** Set-Cookie that removes the session cookie. */
export function clearSessionCookie(req: Request): string {
  return cookieHeader(SESSION_COOKIE, "", { secure: isHttps(req), maxAge: 0 });
}
