/** `POST /connectors/:id/resources`: validates and saves the resources, then back to the connector page. */
import { describeError, type RouteModule } from "../../context.ts";
import { parseResources } from "../../lib/resources.ts";
import { renderConnector } from "./detail.tsx";

export const handler: RouteModule["handler"] = {
  async POST(ctx) {
    const id = ctx.params.id!;
    const text = String(ctx.form?.get("resources") ?? "");
    const { resources, errors } = parseResources(text);
    if (errors.length) {
      return renderConnector(ctx, { resourcesError: errors.join("; "), resourcesText: text }, 400);
    }
    try {
      await ctx.deps.client.json("PUT", `/api/admin/connectors/${encodeURIComponent(id)}/resources`, {
        resources,
      });
    } catch (e) {
      const { status, message } = describeError(e);
      return renderConnector(ctx, { resourcesError: message, resourcesText: text }, status);
    }
    return ctx.redirect(`/connectors/${encodeURIComponent(id)}?saved=resources`);
  },
};
