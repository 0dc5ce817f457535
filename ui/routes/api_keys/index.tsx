/**
 * `/api-keys`: named admin API keys. GET lists them (never a key) with the create form; POST
 * creates one with a name and a scope and shows the key once (never cached, kept nowhere in the
 * UI); the name becomes the `actor` of the events the key causes.
 */
import { ScrollTable } from "../../components/ScrollTable.tsx";
import { SecretShownOnce } from "../../components/SecretShownOnce.tsx";
import { type Ctx, describeError, type RouteModule } from "../../context.ts";
import { AdminApiError } from "../../lib/admin_client.ts";
import { absoluteTime, relativeTime } from "../../lib/format.ts";

/** A key as the admin API lists it (`key` only in the create answer). */
interface ApiKey {
  id: string;
  name: string;
  scope: string;
  created_at?: string;
  key?: string;
}

const SCOPES = [
  ["read", "read: GET routes only (dashboards, scripts that report)"],
  ["admin", "admin: every route (scripts that change things)"],
] as const;

async function renderKeys(
  ctx: Ctx,
  form: { name?: string; scope?: string; error?: string } = {},
  status = 200,
): Promise<Response> {
  let keys: ApiKey[] = [];
  let error: string | undefined;
  try {
    keys = await ctx.deps.client.list<ApiKey>("/api/admin/api-keys");
  } catch (e) {
    const d = describeError(e);
    error = d.message;
    if (d.status === 502) status = 502;
  }
  const csrf = ctx.session.csrf;
  const now = Date.now();
  const revoked = ctx.url.searchParams.get("revoked");
  return ctx.page(
    "API keys",
    <>
      <h1>API keys</h1>
      <p class="muted">
        Keys for scripts and other tools that call the admin API (<code>Authorization: Bearer pak_…</code>).
        Each has a name, recorded as the <code>actor</code> of what it changes, and a scope.
      </p>
      <section aria-labelledby="create-h">
        <h2 id="create-h">Create a key</h2>
        <form method="post" action="/api-keys" class="stack" id="api-key-form">
          {form.error && <p class="banner error" role="alert" id="api-key-error">{form.error}</p>}
          <input type="hidden" name="_csrf" value={csrf} />
          <label for="api-key-name">Name (who or what uses it, e.g. backup-job)</label>
          <input id="api-key-name" name="name" required autocomplete="off" value={form.name ?? ""} />
          <label for="api-key-scope">Scope</label>
          <select id="api-key-scope" name="scope">
            {SCOPES.map(([v, label]) => (
              <option key={v} value={v} selected={(form.scope ?? "read") === v}>{label}</option>
            ))}
          </select>
          <button type="submit">Create key</button>
        </form>
      </section>
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Keys</h2>
        {keys.length === 0 ? <p class="empty">No API keys.</p> : (
          <ScrollTable
            id="api-keys"
            columns={["Name", "Id", "Scope", "Created", <span key="actions" class="sr-only">Actions</span>]}
          >
            {keys.map((k) => (
              <tr key={k.id} data-id={k.id} data-name={k.name}>
                <td>{k.name}</td>
                <td>
                  <code>{k.id}</code>
                </td>
                <td data-field="scope">{k.scope}</td>
                <td title={absoluteTime(k.created_at)}>{relativeTime(k.created_at, now)}</td>
                <td>
                  <form method="post" action={`/api-keys/${encodeURIComponent(k.id)}/revoke`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <button type="submit" class="small" aria-label={`Revoke ${k.name}`}>Revoke</button>
                  </form>
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
    </>,
    { status, error, notice: revoked ? `API key "${revoked}" revoked` : undefined },
  );
}

export const handler: RouteModule["handler"] = {
  GET: (ctx) => renderKeys(ctx),
  async POST(ctx) {
    const name = String(ctx.form?.get("name") ?? "").trim();
    const scope = String(ctx.form?.get("scope") ?? "");
    let created: ApiKey;
    try {
      created = await ctx.deps.client.json<ApiKey>("POST", "/api/admin/api-keys", { name, scope });
    } catch (e) {
      if (e instanceof AdminApiError) return renderKeys(ctx, { name, scope, error: e.message }, e.status);
      const { status, message } = describeError(e);
      return renderKeys(ctx, { name, scope, error: message }, status);
    }
    ctx.deps.logger.info("API key created", { id: created.id, name: created.name, scope: created.scope });
    return ctx.page(
      "API key created",
      <>
        <h1>
          New API key <code>{created.name}</code>
        </h1>
        <SecretShownOnce noun="key" id="api-key-value" value={created.key}>
          <dt>Scope</dt>
          <dd id="api-key-created-scope">{created.scope}</dd>
          <dt>Key id</dt>
          <dd>
            <code>{created.id}</code>
          </dd>
        </SecretShownOnce>
        <p>
          Use it as <code>Authorization: Bearer …</code> on the admin API, or as <code>ADMIN_AUTH_TOKEN</code>
          {" "}
          for <code>postern-controller</code> admin commands.
        </p>
        <p>
          <a href="/api-keys">Back to API keys</a>
        </p>
      </>,
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  },
};
