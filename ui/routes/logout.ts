/** `POST /logout`: ends the session (the CSRF token was checked by the server). */
import { clearSessionCookie, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  POST(ctx) {
    ctx.deps.sessions.delete(ctx.session.id);
    return ctx.redirect("/login", { "set-cookie": clearSessionCookie(ctx.req) });
  },
};
