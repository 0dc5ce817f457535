/** `/tunnelers/:id/revoke`: GET asks for confirmation, POST revokes. */
import { revokeConfirmation } from "../../components/RevokePage.tsx";
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  GET: (ctx) => revokeConfirmation(ctx, "tunneler", ctx.params.id!),
  async POST(ctx) {
    const id = ctx.params.id!;
    try {
      await ctx.deps.client.json("DELETE", `/api/admin/tunnelers/${encodeURIComponent(id)}`);
    } catch (e) {
      return revokeConfirmation(ctx, "tunneler", id, describeError(e).message);
    }
    ctx.deps.logger.info("tunneler revoked", { id });
    return ctx.redirect(`/tunnelers?revoked=${encodeURIComponent(id)}`);
  },
};
