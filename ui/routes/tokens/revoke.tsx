/** `POST /tokens/:id/revoke`: revokes an unused enrollment token. */
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  async POST(ctx) {
    try {
      await ctx.deps.client.json("DELETE", `/api/admin/tokens/${encodeURIComponent(ctx.params.id!)}`);
    } catch (e) {
      const { status, message } = describeError(e);
      return ctx.page(
        "Enrollment tokens",
        <p>
          <a href="/tokens">Back to tokens</a>
        </p>,
        { status, error: message },
      );
    }
    return ctx.redirect("/tokens?revoked=1");
  },
};
