/** `POST /api-keys/:id/revoke`: revokes an API key, then back to the list. */
import { describeError, type RouteModule } from "../../context.ts";
import { AdminApiError } from "../../lib/admin_client.ts";

export const handler: RouteModule["handler"] = {
  async POST(ctx) {
    let revoked: { name?: string };
    try {
      revoked = await ctx.deps.client.json(
        "DELETE",
        `/api/admin/api-keys/${encodeURIComponent(ctx.params.id!)}`,
      );
    } catch (e) {
      const { status, message } = e instanceof AdminApiError ? e : describeError(e);
      return ctx.page(
        "API keys",
        <p>
          <a href="/api-keys">Back to API keys</a>
        </p>,
        { status, error: message },
      );
    }
    return ctx.redirect(`/api-keys?revoked=${encodeURIComponent(revoked.name ?? ctx.params.id!)}`);
  },
};
