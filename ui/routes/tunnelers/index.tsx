/** `/tunnelers`: the tunnelers table. */
import { Island } from "../../components/Island.tsx";
import type { Tunneler } from "../../lib/admin_client.ts";
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    let tunnelers: Tunneler[] = [];
    let error: { status: number; message: string } | undefined;
    try {
      tunnelers = await ctx.deps.client.list<Tunneler>("/api/admin/tunnelers", "tunnelers");
    } catch (e) {
      error = describeError(e);
    }
    const revoked = ctx.url.searchParams.get("revoked");
    return ctx.page(
      "Tunnelers",
      <>
        <div class="title-row">
          <h1>Tunnelers</h1>
          <a class="button" href="/tokens?role=tunneler">New tunneler token</a>
        </div>
        <Island name="TunnelersTable" props={{ tunnelers, now: Date.now() }} />
      </>,
      {
        status: error?.status === 502 ? 502 : 200,
        error: error?.message,
        notice: revoked ? `Tunneler ${revoked} revoked` : undefined,
      },
    );
  },
};
