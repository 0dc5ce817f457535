/**
 * `/resources`, `/groups`, `/policies`: every record of the kind in a table and the form that
 * creates one (POST: refused when the name is taken, so that creating never overwrites; the admin
 * API's validation error is shown beside the form with the operator's input kept).
 */
import { AccessForm } from "../../components/AccessForm.tsx";
import { LinkList } from "../../components/LinkList.tsx";
import { ScrollTable } from "../../components/ScrollTable.tsx";
import { type Ctx, describeError, type RouteModule } from "../../context.ts";
import {
  ACCESS_KINDS,
  type AccessKind,
  type AccessKindSpec,
  type AccessRecord,
  recordFromForm,
} from "../../lib/access_kinds.ts";
import { AdminApiError } from "../../lib/admin_client.ts";
import { apiFailure, apiPath, listRecords, loadChoices, pagePath } from "./_load.ts";

/** The table of `records`; its id is the kind (`#resources`). */
export function AccessTable(props: { spec: AccessKindSpec; records: AccessRecord[] }) {
  const { spec } = props;
  if (props.records.length === 0) return <p class="empty">No {spec.kind} yet.</p>;
  return (
    <ScrollTable
      id={spec.kind}
      columns={[
        "Name",
        ...spec.text.map((f) => f.label.replace(/ \(optional\)$/, "")),
        ...spec.lists.map((f) => f.label),
      ]}
    >
      {props.records.map((r) => (
        <tr key={r.name} data-name={r.name}>
          <td>
            <a href={pagePath(spec.kind, r.name)}>{r.name}</a>
          </td>
          {spec.text.map((f) => (
            <td key={f.name} data-field={f.name}>
              {f.name === "address" ? <code>{r.address}</code> : r[f.name] ?? ""}
            </td>
          ))}
          {spec.lists.map((f) => (
            <td key={f.name} data-field={f.name}>
              <LinkList
                names={r[f.name] ?? []}
                href={(n) => pagePath(f.name as AccessKind, n)}
              />
            </td>
          ))}
        </tr>
      ))}
    </ScrollTable>
  );
}

async function renderList(
  ctx: Ctx,
  spec: AccessKindSpec,
  form: { record?: AccessRecord; error?: string } = {},
  status = 200,
): Promise<Response> {
  let records: AccessRecord[] = [];
  let choices = {};
  let error: string | undefined;
  try {
    [records, choices] = await Promise.all([listRecords(ctx, spec.kind), loadChoices(ctx, spec)]);
  } catch (e) {
    const d = describeError(e);
    error = d.message;
    status = d.status === 502 ? 502 : status;
  }
  const deleted = ctx.url.searchParams.get("deleted");
  return ctx.page(
    spec.title,
    <>
      <h1>{spec.title}</h1>
      <p class="muted">{spec.intro}</p>
      <AccessTable spec={spec} records={records} />
      <section aria-labelledby="create-h">
        <h2 id="create-h">New {spec.singular}</h2>
        <AccessForm
          spec={spec}
          record={form.record ?? { name: "" }}
          choices={choices}
          csrf={ctx.session.csrf}
          action={pagePath(spec.kind)}
          creating
          error={form.error}
        />
      </section>
    </>,
    { status, error, notice: deleted ? `${spec.singular} "${deleted}" deleted` : undefined },
  );
}

/** The route module of `/<kind>`. */
export function listRoute(kind: AccessKind): RouteModule {
  const spec = ACCESS_KINDS[kind];
  return {
    handler: {
      GET: (ctx) => renderList(ctx, spec),
      async POST(ctx) {
        const name = String(ctx.form?.get("name") ?? "").trim();
        const record = recordFromForm(spec, name, ctx.form);
        const { name: _, ...body } = record;
        const { client } = ctx.deps;
        try {
          const existing = name === ""
            ? undefined
            : await client.json("GET", apiPath(kind, name)).catch((e) => {
              if (e instanceof AdminApiError && e.status === 404) return undefined;
              throw e;
            });
          if (existing !== undefined) {
            return renderList(ctx, spec, {
              record,
              error: `${spec.singular} "${name}" already exists: edit it on its page`,
            }, 409);
          }
          await client.json("PUT", apiPath(kind, name), body);
        } catch (e) {
          const { status, message } = apiFailure(e);
          return renderList(ctx, spec, { record, error: message }, status);
        }
        ctx.deps.logger.info(`${spec.singular} created`, { name });
        return ctx.redirect(`${pagePath(kind, name)}?saved=1`);
      },
    },
  };
}
