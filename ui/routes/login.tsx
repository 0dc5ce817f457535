/**
 * `/login`: the operator password form. The form carries a CSRF token that must match a cookie
 * set with the form (double submit); failures are rate-limited per client IP.
 */
import { cookieHeader, isHttps, readCookies } from "../auth/cookies.ts";
import { safeNext } from "../auth/next.ts";
import { randomToken } from "../auth/sessions.ts";
import { crossSite, csrfOk, type Ctx, type RouteModule, SESSION_COOKIE, sessionCookie } from "../server.tsx";

/** Cookie holding the login form's CSRF token. */
export const LOGIN_CSRF_COOKIE = "postern_login_csrf";

export const isPublic = true;

function form(ctx: Ctx, status: number, error?: string, headers?: HeadersInit): Response {
  // Keep the token the browser already holds: a parallel request (a favicon, a second tab)
  // that renders this form must not invalidate the form already on screen.
  const held = readCookies(ctx.req).get(LOGIN_CSRF_COOKIE);
  const token = held && /^[\w-]{32}$/.test(held) ? held : randomToken(24);
  const h = new Headers(headers);
  h.append("set-cookie", cookieHeader(LOGIN_CSRF_COOKIE, token, { secure: isHttps(ctx.req), maxAge: 3600 }));
  const next = safeNext(ctx.url.searchParams.get("next") ?? (ctx.form?.get("next") as string | null));
  return ctx.page(
    "Log in",
    <section class="login">
      <h1>Postern admin</h1>
      <form method="post" action="/login">
        <input type="hidden" name="_csrf" value={token} />
        <input type="hidden" name="next" value={next} />
        <label for="password">Operator password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <button type="submit">Log in</button>
      </form>
    </section>,
    { status, error, headers: h },
  );
}

export const handler: RouteModule["handler"] = {
  GET(ctx) {
    if (ctx.deps.sessions.get(readCookies(ctx.req).get(SESSION_COOKIE))) return ctx.redirect("/");
    return form(ctx, 200);
  },
  async POST(ctx) {
    const { deps, remoteIp } = ctx;
    const wait = deps.limiter.retryAfter(remoteIp);
    if (wait > 0) {
      deps.logger.warn("login rate-limited", { ip: remoteIp });
      return form(ctx, 429, `Too many failed logins: try again in ${wait} s`, {
        "retry-after": String(wait),
      });
    }
    // Login CSRF: a browser posting from another site is refused by its Origin; a form token,
    // when sent (our form always sends one), must match its cookie. Scripts that post only
    // `password` (the contract's interface) send neither and are accepted.
    const given = ctx.form?.get("_csrf");
    if (
      crossSite(ctx.req) || (given !== null && given !== undefined &&
        !csrfOk(given, readCookies(ctx.req).get(LOGIN_CSRF_COOKIE) ?? "\0"))
    ) {
      return form(ctx, 403, "The login form expired: try again");
    }
    const password = ctx.form?.get("password");
    if (typeof password !== "string" || !(await deps.verifyPassword(password))) {
      deps.limiter.fail(remoteIp);
      deps.logger.warn("login failed", { ip: remoteIp });
      return form(ctx, 401, "Wrong password");
    }
    deps.limiter.reset(remoteIp);
    const session = deps.sessions.create();
    deps.logger.info("operator logged in", { ip: remoteIp });
    const headers = new Headers();
    headers.append("set-cookie", sessionCookie(ctx.req, session, deps.sessionTtlMs));
    headers.append(
      "set-cookie",
      cookieHeader(LOGIN_CSRF_COOKIE, "", { secure: isHttps(ctx.req), maxAge: 0 }),
    );
    return ctx.redirect(safeNext(ctx.form?.get("next") as string | null), headers);
  },
};
