/** `/tunnelers/:id`: a tunneler's facts (live) and the way to revoke it. */
import { AgentHeading } from "../../components/AgentPages.tsx";
import type { Tunneler } from "../../lib/admin_client.ts";
import { describeError, type RouteModule } from "../../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const id = ctx.params.id!;
    let tunneler: Tunneler;
    try {
      tunneler = await ctx.deps.client.one<Tunneler>(
        `/api/admin/tunnelers/${encodeURIComponent(id)}`,
        "tunneler",
      );
    } catch (e) {
      const { status, message } = describeError(e);
      return ctx.page(`Tunneler ${id}`, <h1>Tunneler {id}</h1>, { status, error: message });
    }
    return ctx.page(
      `Tunneler ${id}`,
      <>
        <AgentHeading kind="tunneler" id={id} agent={tunneler} />
        <p class="muted">Which connectors accept this tunneler is set on each connector's page.</p>
        <section class="danger">
          <h2>Revoke</h2>
          <p>Revoking ends this tunneler's identity: its sessions end and it must enroll again.</p>
          <a class="button danger" href={`/tunnelers/${encodeURIComponent(id)}/revoke`}>Revoke tunneler…</a>
        </section>
      </>,
    );
  },
};
