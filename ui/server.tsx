/**
 * A tiny Fresh-shaped server: a route manifest (ui/routes/_manifest.ts) of URL patterns to
 * handlers, session and CSRF checks in front of them, static files, and security headers. What
 * routes share with it (Ctx, RouteModule, LIMITS, helpers) is in context.ts.
 */
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { clientAddress } from "./auth/client_address.ts";
import { readCookies } from "./auth/cookies.ts";
import type { Session } from "./auth/sessions.ts";
import { Layout } from "./components/Layout.tsx";
import { BodyTimeoutError, BodyTooLargeError, readForm } from "./lib/body.ts";
import {
  type AppDeps,
  type ConnInfo,
  crossSite,
  csrfOk,
  type Ctx,
  json,
  LIMITS,
  type PageOptions,
  type RouteModule,
  SESSION_COOKIE,
} from "./context.ts";
import { ROUTES } from "./routes/_manifest.ts";

/** Headers every answer carries. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

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
      outage={session ? deps.outage.banner() : undefined}
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
