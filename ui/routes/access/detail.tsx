/**
 * `/resources/:name`, `/groups/:name`, `/policies/:name`: one record's editor (POST saves it with
 * PUT; the admin API's error is shown beside the form with the input kept) and the way to delete
 * it. A kind may add sections of its own (the resource page: who can reach it and who did).
 */
import type { ComponentChildren } from "preact";
import { AccessForm } from "../../components/AccessForm.tsx";
import { type Ctx, describeError, type RouteModule } from "../../context.ts";
import {
  ACCESS_KINDS,
  type AccessKind,
  type AccessKindSpec,
  type AccessRecord,
  recordFromForm,
} from "../../lib/access_kinds.ts";
import { apiFailure, apiPath, loadChoices, pagePath } from "./_load.ts";

/** Sections a kind adds below its editor. */
export type ExtraSections = (ctx: Ctx, record: AccessRecord) => Promise<ComponentChildren>;

async function renderDetail(
  ctx: Ctx,
  spec: AccessKindSpec,
  extra: ExtraSections | undefined,
  failed: { record: AccessRecord; error: string; status: number } | undefined = undefined,
): Promise<Response> {
  const name = ctx.params.name!;
  const title = `${spec.singular[0]!.toUpperCase()}${spec.singular.slice(1)} ${name}`;
  let record: AccessRecord, choices;
  try {
    [record, choices] = await Promise.all([
      ctx.deps.client.json<AccessRecord>("GET", apiPath(spec.kind, name)),
      loadChoices(ctx, spec),
    ]);
  } catch (e) {
    const { status, message } = apiFailure(e);
    return ctx.page(title, <h1>{title}</h1>, { status, error: message });
  }
  let sections: ComponentChildren = null;
  if (extra) {
    try {
      sections = await extra(ctx, record);
    } catch (e) {
      sections = <p class="banner error" role="alert">{describeError(e).message}</p>;
    }
  }
  return ctx.page(
    title,
    <>
      <p class="crumbs">
        <a href={pagePath(spec.kind)}>{spec.title}</a> /
      </p>
      <h1>{title}</h1>
      <section aria-labelledby="edit-h">
        <h2 id="edit-h">Edit</h2>
        <AccessForm
          spec={spec}
          record={failed?.record ?? record}
          choices={choices}
          csrf={ctx.session.csrf}
          action={pagePath(spec.kind, name)}
          creating={false}
          error={failed?.error}
        />
      </section>
      {sections}
      <section aria-labelledby="danger-h" class="danger">
        <h2 id="danger-h">Delete</h2>
        <p>Deleting it takes effect on every connector within a second.</p>
        <a class="button danger" id="delete-link" href={`${pagePath(spec.kind, name)}/delete`}>
          Delete {spec.singular}…
        </a>
      </section>
    </>,
    {
      status: failed?.status ?? 200,
      notice: ctx.url.searchParams.get("saved") ? `${title} saved` : undefined,
    },
  );
}

/** The route module of `/<kind>/:name`. */
export function detailRoute(kind: AccessKind, extra?: ExtraSections): RouteModule {
  const spec = ACCESS_KINDS[kind];
  return {
    handler: {
      GET: (ctx) => renderDetail(ctx, spec, extra),
      async POST(ctx) {
        const name = ctx.params.name!;
        const record = recordFromForm(spec, name, ctx.form);
        const { name: _, ...body } = record;
        try {
          await ctx.deps.client.json("PUT", apiPath(kind, name), body);
        } catch (e) {
          const { status, message } = apiFailure(e);
          return renderDetail(ctx, spec, extra, { record, error: message, status });
        }
        ctx.deps.logger.info(`${spec.singular} saved`, { name });
        return ctx.redirect(`${pagePath(kind, name)}?saved=1`);
      },
    },
  };
}
