/**
 * `/login`: the operator password form. The form carries a CSRF token that must match a cookie
 * set with the form (double submit); attempts are slowed down per client address
 * (ui/auth/rate_limit.ts).
 */
import { cookieHeader, isHttps, readCookies } from "../auth/cookies.ts";
import { limitKey } from "../auth/client_address.ts";
import { safeNext } from "../auth/next.ts";
import { randomToken } from "../auth/sessions.ts";
import { crossSite, csrfOk, type Ctx, type RouteModule, SESSION_COOKIE, sessionCookie } from "../context.ts";

/** Cookie holding the login form's CSRF token. */
export const LOGIN_CSRF_COOKIE = "postern_login_csrf";

export const isPublic = true;

/** The login form is a password and two tokens: 8 KiB is plenty (413 above). */
export const maxBodyBytes = 8 * 1024;

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
    const { deps, clientIp } = ctx;
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
    if (typeof password !== "string" || password === "") return form(ctx, 401, "Wrong password");
    // Check and count in one synchronous step, before the (slow) password check.
    const key = limitKey(clientIp);
    const admission = deps.limiter.admit(key);
    if (!admission.admitted) {
      const wait = admission.retryAfterSeconds;
      if (admission.first) deps.logger.warn("login slowed down", { client: clientIp, retry_after_s: wait });
      return form(ctx, 429, `Too many failed logins from your address: try again in ${wait} s`, {
        "retry-after": String(wait),
      });
    }
    if (!(await deps.verifyPassword(password))) {
      deps.logger.warn("login failed", { client: clientIp });
      return form(ctx, 401, "Wrong password");
    }
    deps.limiter.succeeded(key);
    const session = deps.sessions.create();
    deps.logger.info("operator logged in", { client: clientIp });
    const headers = new Headers();
    headers.append("set-cookie", sessionCookie(ctx.req, session, deps.sessionTtlMs));
    headers.append(
      "set-cookie",
      cookieHeader(LOGIN_CSRF_COOKIE, "", { secure: isHttps(ctx.req), maxAge: 0 }),
    );
    return ctx.redirect(safeNext(ctx.form?.get("next") as string | null), headers);
  },
};
