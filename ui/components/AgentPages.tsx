/**
 * The pages connectors and tunnelers share, one handler for both kinds: the list (`/<kind>s`) and
 * the revocation (`/<kind>s/:id/revoke`, GET asks for confirmation, POST revokes); and the heading
 * of both detail pages.
 * @module
 */
import { Island } from "./Island.tsx";
import { revokeConfirmation } from "./RevokePage.tsx";
import type { Connector, Tunneler } from "../lib/admin_client.ts";
import { describeError, type RouteModule } from "../context.ts";

/** The two kinds of agent. */
export type AgentKind = "connector" | "tunneler";

function title(kind: AgentKind): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}

/** `GET /<kind>s`: the live table of that kind, a link to a new token, a notice after a revocation. */
export function agentListHandler(kind: AgentKind): RouteModule["handler"] {
  const plural = `${kind}s`;
  return {
    async GET(ctx) {
      let agents: (Connector | Tunneler)[] = [];
      let error: { status: number; message: string } | undefined;
      try {
        agents = await ctx.deps.client.list<Connector | Tunneler>(`/api/admin/${plural}`, plural);
      } catch (e) {
        error = describeError(e);
      }
      const revoked = ctx.url.searchParams.get("revoked");
      const now = Date.now();
      return ctx.page(
        `${title(kind)}s`,
        <>
          <div class="title-row">
            <h1>{`${title(kind)}s`}</h1>
            <a class="button" href={`/tokens?role=${kind}`}>{`New ${kind} token`}</a>
          </div>
          {kind === "connector"
            ? <Island name="ConnectorsTable" props={{ connectors: agents as Connector[], now }} />
            : <Island name="TunnelersTable" props={{ tunnelers: agents as Tunneler[], now }} />}
        </>,
        {
          status: error?.status === 502 ? 502 : 200,
          error: error?.message,
          notice: revoked ? `${title(kind)} ${revoked} revoked` : undefined,
        },
      );
    },
  };
}

/** `/<kind>s/:id/revoke`: GET asks for confirmation, POST revokes and goes back to the list. */
export function agentRevokeHandler(kind: AgentKind): RouteModule["handler"] {
  return {
    GET: (ctx) => revokeConfirmation(ctx, kind, ctx.params.id!),
    async POST(ctx) {
      const id = ctx.params.id!;
      try {
        await ctx.deps.client.json("DELETE", `/api/admin/${kind}s/${encodeURIComponent(id)}`);
      } catch (e) {
        return revokeConfirmation(ctx, kind, id, describeError(e).message);
      }
      ctx.deps.logger.info(`${kind} revoked`, { id });
      return ctx.redirect(`/${kind}s?revoked=${encodeURIComponent(id)}`);
    },
  };
}

/** The top of an agent's detail page: the way back to its list, its name, its live status. */
export function AgentHeading(props: { kind: AgentKind; id: string; agent: Connector & Tunneler }) {
  return (
    <>
      <p class="crumbs">
        <a href={`/${props.kind}s`}>{`${title(props.kind)}s`}</a> /
      </p>
      <h1>{`${title(props.kind)} ${props.id}`}</h1>
      <Island name="AgentStatus" props={{ kind: `${props.kind}s`, agent: props.agent, now: Date.now() }} />
    </>
  );
}
