/**
 * `/connectors/:id`: a connector's facts (live), its allowlist editor (pick tunnelers), its
 * resources editor (validated host:port / cidr:port) and the way to revoke it. The editors are
 * plain forms, so they work without JavaScript.
 */
import { AgentHeading } from "../../components/AgentPages.tsx";
import { TrafficPanel } from "../../components/TrafficPanel.tsx";
import type { Connector, Tunneler } from "../../lib/admin_client.ts";
import { asList } from "../../lib/admin_client.ts";
import { type Ctx, describeError, type RouteModule } from "../../context.ts";

interface EditorState {
  allowlistError?: string | undefined;
  resourcesError?: string | undefined;
  resourcesText?: string | undefined;
}

/** Renders the page; `state` carries a failed edit back to the operator. */
export async function renderConnector(ctx: Ctx, state: EditorState = {}, status = 200): Promise<Response> {
  const id = ctx.params.id!;
  const base = `/api/admin/connectors/${encodeURIComponent(id)}`;
  const { client } = ctx.deps;
  let connector: Connector;
  let tunnelers: Tunneler[] = [], allowed: string[] = [], resources: string[] = [];
  try {
    connector = await client.one<Connector>(base, "connector");
    const [t, a, r] = await Promise.all([
      client.list<Tunneler>("/api/admin/tunnelers", "tunnelers"),
      client.json("GET", `${base}/allowlist`),
      client.json("GET", `${base}/resources`),
    ]);
    tunnelers = t;
    allowed = asList<string>(a, "tunnelers");
    resources = asList<string>(r, "resources");
  } catch (e) {
    const { status, message } = describeError(e);
    return ctx.page(`Connector ${id}`, <h1>Connector {id}</h1>, { status, error: message });
  }
  const saved = ctx.url.searchParams.get("saved");
  const known = new Set(tunnelers.map((t) => t.id));
  const choices = [...tunnelers.map((t) => t.id), ...allowed.filter((a) => !known.has(a))];
  const csrf = ctx.session.csrf;
  return ctx.page(
    `Connector ${id}`,
    <>
      <AgentHeading kind="connector" id={id} agent={connector} />
      <section aria-labelledby="traffic-h">
        <h2 id="traffic-h">Throughput</h2>
        <TrafficPanel deps={ctx.deps} role="connectors" id={id} label={`Connector ${id}`} />
      </section>

      <section aria-labelledby="allowlist-h">
        <h2 id="allowlist-h">Allowed tunnelers</h2>
        <p class="muted">Tunnelers this connector accepts. Removing one ends its sessions within a second.</p>
        {state.allowlistError && <p class="banner error" role="alert">{state.allowlistError}</p>}
        <form method="post" action={`/connectors/${encodeURIComponent(id)}/allowlist`} id="allowlist-form">
          <input type="hidden" name="_csrf" value={csrf} />
          {choices.length === 0 ? <p class="empty">No tunnelers enrolled yet.</p> : (
            <fieldset class="checks">
              <legend class="sr-only">Tunnelers</legend>
              {choices.map((t) => (
                <label key={t}>
                  <input type="checkbox" name="tunnelers" value={t} checked={allowed.includes(t)} /> {t}
                  {!known.has(t) && <span class="muted">(not enrolled)</span>}
                </label>
              ))}
            </fieldset>
          )}
          <label for="allow-add">Also allow tunneler ids (enrolled or not yet; comma-separated)</label>
          <input id="allow-add" name="add" placeholder="e.g. laptop-7" autocomplete="off" />
          <button type="submit">Save allowlist</button>
        </form>
      </section>

      <section aria-labelledby="resources-h">
        <h2 id="resources-h">Resources</h2>
        <p class="muted">
          Where this connector may forward to: one <code>host:port</code> or <code>cidr:port</code>{" "}
          per line (e.g. <code>db.internal:5432</code>,{" "}
          <code>10.0.0.0/24:443</code>). Anything else is refused.
        </p>
        {state.resourcesError && (
          <p class="banner error" role="alert" id="resources-error">{state.resourcesError}</p>
        )}
        <form method="post" action={`/connectors/${encodeURIComponent(id)}/resources`} id="resources-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <label for="resources" class="sr-only">Resources</label>
          <textarea
            id="resources"
            name="resources"
            rows={Math.max(3, resources.length + 1)}
            spellcheck={false}
          >
            {state.resourcesText ?? resources.join("\n")}
          </textarea>
          <button type="submit">Save resources</button>
        </form>
      </section>

      <section aria-labelledby="danger-h" class="danger">
        <h2 id="danger-h">Revoke</h2>
        <p>
          Revoking ends this connector's identity: it goes offline and must enroll again with a new token.
        </p>
        <a class="button danger" href={`/connectors/${encodeURIComponent(id)}/revoke`}>Revoke connector…</a>
      </section>
    </>,
    {
      status,
      notice: saved === "allowlist"
        ? "Allowlist saved"
        : saved === "resources"
        ? "Resources saved"
        : undefined,
    },
  );
}

export const handler: RouteModule["handler"] = {
  GET: (ctx) => renderConnector(ctx),
};
