/** `/connectors`: the connectors table. */
import { Island } from "../../components/Island.tsx";
import type { Connector } from "../../lib/admin_client.ts";
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    let connectors: Connector[] = [];
    let error: { status: number; message: string } | undefined;
    try {
      connectors = await ctx.deps.client.list<Connector>("/api/admin/connectors", "connectors");
    } catch (e) {
      error = describeError(e);
    }
    const revoked = ctx.url.searchParams.get("revoked");
    return ctx.page(
      "Connectors",
      <>
        <div class="title-row">
          <h1>Connectors</h1>
          <a class="button" href="/tokens?role=connector">New connector token</a>
        </div>
        <Island name="ConnectorsTable" props={{ connectors, now: Date.now() }} />
      </>,
      {
        status: error?.status === 502 ? 502 : 200,
        error: error?.message,
        notice: revoked ? `Connector ${revoked} revoked` : undefined,
      },
    );
  },
};
