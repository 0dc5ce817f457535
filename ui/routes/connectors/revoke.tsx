/** `/connectors/:id/revoke`: GET asks for confirmation, POST revokes. */
import { revokeConfirmation } from "../../components/RevokePage.tsx";
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  GET: (ctx) => revokeConfirmation(ctx, "connector", ctx.params.id!),
  async POST(ctx) {
    const id = ctx.params.id!;
    try {
      await ctx.deps.client.json("DELETE", `/api/admin/connectors/${encodeURIComponent(id)}`);
    } catch (e) {
      return revokeConfirmation(ctx, "connector", id, describeError(e).message);
    }
    ctx.deps.logger.info("connector revoked", { id });
    return ctx.redirect(`/connectors?revoked=${encodeURIComponent(id)}`);
  },
};
