/**
 * What the UI's routes and its server share: the request context a handler receives, the route
 * module shape, the request bounds, and the small helpers routes answer with. Routes import this,
 * never server.tsx (which imports the routes).
 * @module
 */
import type { ComponentChildren } from "preact";
import { HTTP_BOUNDS } from "../shared/http/serve.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { TrustedProxies } from "./auth/client_address.ts";
import { cookieHeader, isHttps } from "./auth/cookies.ts";
import { constantTimeEqual } from "./auth/password.ts";
import type { LoginRateLimiter } from "./auth/rate_limit.ts";
import type { Session, SessionStore } from "./auth/sessions.ts";
import { AdminApiError, type AdminClient, ControllerUnreachableError } from "./lib/admin_client.ts";
import type { Assets } from "./lib/assets.ts";
import type { OutageWatch } from "./lib/outage.ts";
import type { TrafficHistory } from "./lib/traffic_history.ts";

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
  controllerAddr: string | undefined;
  /** Session lifetime (cookie Max-Age). */
  sessionTtlMs: number;
  /** The agents' byte counters sampled over the last hour (the charts). */
  traffic: TrafficHistory;
  /** Whether the sampler's poll of the admin API fails, and the last listing it answered (the outage banner). */
  outage: OutageWatch;
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

/** What the UI uses of the connection a request came over (the server's HttpConnInfo, or a test's). */
export interface ConnInfo {
  /** The TCP peer, from the socket. */
  remoteAddr: Deno.NetAddr;
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

/** Set-Cookie for a new session. */
export function sessionCookie(req: Request, session: Session, ttlMs: number): string {
  return cookieHeader(SESSION_COOKIE, session.id, { secure: isHttps(req), maxAge: Math.floor(ttlMs / 1000) });
}

/** Set-Cookie that removes the session cookie. */
export function clearSessionCookie(req: Request): string {
  return cookieHeader(SESSION_COOKIE, "", { secure: isHttps(req), maxAge: 0 });
}
