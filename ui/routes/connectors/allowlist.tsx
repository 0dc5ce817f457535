/** `POST /connectors/:id/allowlist`: saves the picked tunnelers, then back to the connector page. */
import { AdminApiError } from "../../lib/admin_client.ts";
import { describeError, type RouteModule } from "../../context.ts";
import { renderConnector } from "./detail.tsx";

export const handler: RouteModule["handler"] = {
  async POST(ctx) {
    const id = ctx.params.id!;
    const picked = (ctx.form?.getAll("tunnelers") ?? []).filter((t): t is string => typeof t === "string");
    const added = String(ctx.form?.get("add") ?? "").split(/[\s,]+/).filter(Boolean);
    const tunnelers = [...new Set([...picked, ...added])];
    try {
      await ctx.deps.client.json("PUT", `/api/admin/connectors/${encodeURIComponent(id)}/allowlist`, {
        tunnelers,
      });
    } catch (e) {
      const { status, message } = describeError(e);
      if (e instanceof AdminApiError && e.status === 404) return renderConnector(ctx, {}, 404);
      return renderConnector(ctx, { allowlistError: message }, status);
    }
    return ctx.redirect(`/connectors/${encodeURIComponent(id)}?saved=allowlist`);
  },
};
