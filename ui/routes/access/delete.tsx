/** `/<kind>/:name/delete`: GET asks for confirmation, POST deletes and returns to the list. */
import type { Ctx, RouteModule } from "../../context.ts";
import { ACCESS_KINDS, type AccessKind, type AccessKindSpec } from "../../lib/access_kinds.ts";
import { apiFailure, apiPath, pagePath } from "./_load.ts";

function confirmation(ctx: Ctx, spec: AccessKindSpec, error?: { status: number; message: string }): Response {
  const name = ctx.params.name!;
  const back = pagePath(spec.kind, name);
  return ctx.page(
    `Delete ${spec.singular} ${name}`,
    <section class="danger">
      <h1>
        Delete {spec.singular} {name}?
      </h1>
      <p>
        {spec.kind === "groups"
          ? "Policies that name it grant its members nothing through it any more."
          : spec.kind === "policies"
          ? "What it grants is no longer granted: open tunnels it alone allowed are closed."
          : "Policies that name it grant nothing for it any more: open tunnels to it are closed."}
      </p>
      <form method="post" action={`${back}/delete`}>
        <input type="hidden" name="_csrf" value={ctx.session.csrf} />
        <button type="submit" class="danger" id="confirm-delete">Yes, delete {name}</button>{" "}
        <a href={back}>Cancel</a>
      </form>
    </section>,
    { error: error?.message, status: error?.status ?? 200 },
  );
}

/** The route module of `/<kind>/:name/delete`. */
export function deleteRoute(kind: AccessKind): RouteModule {
  const spec = ACCESS_KINDS[kind];
  return {
    handler: {
      GET: (ctx) => confirmation(ctx, spec),
      async POST(ctx) {
        const name = ctx.params.name!;
        try {
          await ctx.deps.client.json("DELETE", apiPath(kind, name));
        } catch (e) {
          return confirmation(ctx, spec, apiFailure(e));
        }
        ctx.deps.logger.info(`${spec.singular} deleted`, { name });
        return ctx.redirect(`${pagePath(kind)}?deleted=${encodeURIComponent(name)}`);
      },
    },
  };
}
