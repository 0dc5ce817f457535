/**
 * `/tokens`: enrollment tokens. GET lists them (no secrets) with the create form; POST creates one
 * bound to the agent id entered and shows it once, with its expiry, a copy button and the install snippet. The answer is never
 * cached and the token is kept nowhere in the UI.
 */
import { Island } from "../../components/Island.tsx";
import { SecretShownOnce } from "../../components/SecretShownOnce.tsx";
import { TokenList } from "../../components/TokenList.tsx";
import { installCommands } from "../../components/InstallSnippet.tsx";
import type { ResourceGrant } from "../../../shared/access/views.ts";
import { TunnelerAccessTable } from "../../components/Grants.tsx";
import { AdminApiError, type Connector, type EnrollmentToken } from "../../lib/admin_client.ts";
import { absoluteTime, relativeTime } from "../../lib/format.ts";
import { type Ctx, describeError, type RouteModule } from "../../context.ts";

const ID = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
const TTLS = [["900", "15 minutes"], ["3600", "1 hour"], ["86400", "24 hours"], [
  "604800",
  "7 days",
]] as const;

interface FormState {
  role?: string;
  agentId?: string;
  ttl?: string;
  note?: string;
  /** Tunnelers: the connector to dial (its id), and the group to add the new tunneler to. */
  connector?: string;
  group?: string;
  error?: string | undefined;
}

/** Connectors (ONLINE first, then by id) and group names for the tunneler part of the form. */
async function tunnelerChoices(ctx: Ctx): Promise<{ connectors: Connector[]; groups: string[] }> {
  const { client } = ctx.deps;
  const [connectors, groups] = await Promise.all([
    client.list<Connector>("/api/admin/connectors", "connectors").catch(() => []),
    client.list<{ name: string }>("/api/admin/groups", "groups").catch(() => []),
  ]);
  connectors.sort((a, b) =>
    Number(b.status === "ONLINE") - Number(a.status === "ONLINE") || a.id.localeCompare(b.id)
  );
  return { connectors, groups: groups.map((g) => g.name).filter((n) => typeof n === "string").sort() };
}

async function renderTokens(ctx: Ctx, state: FormState): Promise<Response> {
  let tokens: EnrollmentToken[] = [];
  let error: string | undefined;
  let status = 200;
  const choices = await tunnelerChoices(ctx);
  try {
    tokens = await ctx.deps.client.list<EnrollmentToken>("/api/admin/tokens", "tokens");
  } catch (e) {
    ({ status, message: error } = describeError(e));
    status = status === 502 ? 502 : 200;
  }
  const role = state.role ?? ctx.url.searchParams.get("role") ?? "connector";
  const csrf = ctx.session.csrf;
  const now = Date.now();
  return ctx.page(
    "Enrollment tokens",
    <>
      <h1>Enrollment tokens</h1>
      <section aria-labelledby="create-h">
        <h2 id="create-h">Create a token</h2>
        {state.error && <p class="banner error" role="alert" id="token-error">{state.error}</p>}
        <form method="post" action="/tokens" class="stack" id="token-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <fieldset class="inline">
            <legend>Role</legend>
            <label>
              <input type="radio" name="role" value="connector" checked={role !== "tunneler"} /> Connector
            </label>
            <label>
              <input type="radio" name="role" value="tunneler" checked={role === "tunneler"} /> Tunneler
            </label>
          </fieldset>
          <label for="agent_id">
            Agent id (the token enrolls this id alone; becomes CONNECTOR_ID / TUNNELER_ID)
          </label>
          <input
            id="agent_id"
            name="agent_id"
            required
            pattern="[a-z0-9]([a-z0-9._\-]{0,62}[a-z0-9])?"
            placeholder="e.g. office-db-1"
            value={state.agentId ?? ""}
          />
          <label for="ttl">Valid for</label>
          <select id="ttl" name="ttl">
            {TTLS.map(([v, label]) => (
              <option key={v} value={v} selected={(state.ttl ?? "3600") === v}>{label}</option>
            ))}
          </select>
          <label for="note">Note (optional)</label>
          <input id="note" name="note" maxLength={200} value={state.note ?? ""} />
          <fieldset id="tunneler-options">
            <legend>For a tunneler</legend>
            <label for="connector">Connector it dials (goes into CONNECTOR_ADDR)</label>
            <select id="connector" name="connector">
              {choices.connectors.length === 0 && <option value="">no connector enrolled yet</option>}
              {choices.connectors.map((c) => (
                <option key={c.id} value={c.id} selected={state.connector === c.id}>
                  {`${c.id} (${c.status ?? "UNKNOWN"}${c.private_ip ? `, ${c.private_ip}` : ""})`}
                </option>
              ))}
            </select>
            <label for="group">Grant access: add it to a group</label>
            <select id="group" name="group">
              <option value="" selected={!state.group}>no group (grant access later)</option>
              {choices.groups.map((g) => <option key={g} value={g} selected={state.group === g}>{g}</option>)}
            </select>
            <p class="muted">
              The group's policies grant it their resources as soon as it enrolls.{" "}
              <a href="/groups">Groups</a> · <a href="/policies">Policies</a>
            </p>
          </fieldset>
          <button type="submit">Create token</button>
        </form>
      </section>
      <TokenList tokens={tokens} now={now} csrf={csrf} />
    </>,
    { status, error, notice: ctx.url.searchParams.get("revoked") ? "Token revoked" : undefined },
  );
}

/** The new tunneler added to a group: what that grants it, or why it could not be added. */
interface Granted {
  group: string;
  resources?: ResourceGrant[];
  error?: string;
}

/** Adds `tunneler` to `group` (keeping its members) and reads what it is granted now. */
async function joinGroup(ctx: Ctx, group: string, tunneler: string): Promise<Granted> {
  const { client } = ctx.deps;
  const path = `/api/admin/groups/${encodeURIComponent(group)}`;
  try {
    const g = await client.json<{ tunnelers?: string[] }>("GET", path);
    await client.json("PUT", path, { tunnelers: [...new Set([...(g.tunnelers ?? []), tunneler])] });
    const access = await client.json<{ resources?: ResourceGrant[] }>(
      "GET",
      `/api/admin/tunnelers/${encodeURIComponent(tunneler)}/access`,
    );
    ctx.deps.logger.info("tunneler added to a group with its token", { group, tunneler });
    return { group, resources: access.resources ?? [] };
  } catch (e) {
    return { group, error: e instanceof AdminApiError ? e.message : describeError(e).message };
  }
}

function GrantedAccess(props: { tunneler: string; granted: Granted }) {
  const { group, resources, error } = props.granted;
  if (error !== undefined) {
    return (
      <p class="banner error" role="alert" id="group-error">
        The token was created, but {props.tunneler} could not be added to group {group}: {error}
      </p>
    );
  }
  return (
    <section aria-labelledby="granted-h" id="granted-access">
      <h2 id="granted-h">Access granted</h2>
      <p>
        <code>{props.tunneler}</code> is now a member of group{" "}
        <a href={`/groups/${encodeURIComponent(group)}`}>{group}</a>. Once enrolled it may reach:
      </p>
      <TunnelerAccessTable grants={resources ?? []} />
      <p>
        <a href={`/tunnelers/${encodeURIComponent(props.tunneler)}`}>Its page</a>{" "}
        shows this once it has enrolled.
      </p>
    </section>
  );
}

/** What a new tunneler needs besides its token: a connector that allows it. */
function TunnelerAccess(props: { tunneler: string; connector: string | undefined }) {
  const target = props.connector ?? "<connector-id>";
  return (
    <section aria-labelledby="access-h" id="tunneler-access">
      <h2 id="access-h">Allow it on a connector</h2>
      <p>
        A connector admits only the tunnelers on its allowlist (deny by default). This token is bound to{" "}
        <code>{props.tunneler}</code>, as a token for an allowlisted id must be: an unbound token cannot
        enroll an id a connector's allowlist names. Grant it access with a policy (add it to a group above, or
        on the <a href="/groups">groups</a> page), or allow it on the connector. On the controller, run:
      </p>
      <pre id="allowlist-command">{`postern-controller connectors allowlist ${target} --add ${props.tunneler}`}</pre>
      <p>
        {props.connector
          ? (
            <>
              or tick it on{" "}
              <a href={`/connectors/${encodeURIComponent(props.connector)}`}>{props.connector}</a>'s
              allowlist.
            </>
          )
          : <>or tick it on a connector's allowlist once one is enrolled.</>}
      </p>
    </section>
  );
}

export const handler: RouteModule["handler"] = {
  GET: (ctx) => renderTokens(ctx, {}),
  async POST(ctx) {
    const form = ctx.form;
    const state: FormState = {
      role: String(form?.get("role") ?? ""),
      agentId: String(form?.get("agent_id") ?? "").trim(),
      ttl: String(form?.get("ttl") ?? "3600"),
      note: String(form?.get("note") ?? "").trim(),
      connector: String(form?.get("connector") ?? ""),
      group: String(form?.get("group") ?? ""),
    };
    if (state.role !== "connector" && state.role !== "tunneler") {
      return renderTokens(ctx, {
        ...state,
        error: `invalid role "${state.role}": pick connector or tunneler`,
      });
    }
    if (!ID.test(state.agentId!)) {
      return renderTokens(ctx, {
        ...state,
        error: `invalid agent id "${state.agentId}": use lower-case letters, digits, ".", "_" or "-"`,
      });
    }
    const ttl = Number(state.ttl);
    if (!Number.isInteger(ttl) || ttl <= 0) return renderTokens(ctx, { ...state, error: "invalid validity" });
    let created: EnrollmentToken;
    let connectors: Connector[] = [];
    try {
      created = await ctx.deps.client.json<EnrollmentToken>("POST", "/api/admin/tokens", {
        role: state.role,
        id: state.agentId,
        ttl_seconds: ttl,
        note: state.note || `${state.role} ${state.agentId}`,
      });
      if (state.role === "tunneler") {
        connectors = await ctx.deps.client.list<Connector>("/api/admin/connectors", "connectors").catch(
          () => [],
        );
      }
    } catch (e) {
      return renderTokens(ctx, { ...state, error: describeError(e).message });
    }
    const role = state.role;
    // The tunneler pins the connector it dials: CONNECTOR_ADDR is connector-id@ip:port; the one
    // chosen, else the first ONLINE one.
    const chosen = connectors.find((c) => c.id === state.connector && c.private_ip) ??
      connectors.find((c) => c.status === "ONLINE" && c.private_ip);
    const connector = chosen?.private_ip ? { id: chosen.id, privateIp: chosen.private_ip } : undefined;
    const granted = role === "tunneler" && state.group
      ? await joinGroup(ctx, state.group, state.agentId!)
      : undefined;
    const snippet = installCommands({
      role,
      agentId: state.agentId!,
      token: created.token ?? "",
      controllerAddr: ctx.deps.controllerAddr,
      connector,
    });
    ctx.deps.logger.info("enrollment token created", { id: created.id, role });
    return ctx.page(
      "Token created",
      <>
        <h1>
          New {role} token for <code>{state.agentId}</code>
        </h1>
        <SecretShownOnce noun="token" id="token-value" value={created.token}>
          <dt>Expires</dt>
          <dd id="token-expiry">
            {absoluteTime(created.expires_at)} ({relativeTime(created.expires_at, Date.now())})
          </dd>
          <dt>Token id</dt>
          <dd>
            <code>{created.id}</code>
          </dd>
        </SecretShownOnce>
        <h2>Install</h2>
        <p>
          On the {role} host, with the <code>postern-{role}</code> binary and unit installed, run:
        </p>
        <pre id="install-snippet">{snippet}</pre>
        <Island name="CopyButton" props={{ target: "install-snippet", label: "Copy install commands" }} />
        {!ctx.deps.controllerAddr && (
          <p class="banner warn" id="controller-addr-unknown">
            The controller's gRPC address is not known to the UI: set UI_CONTROLLER_ADDR on the UI, or fill in
            CONTROLLER_ADDR above.
          </p>
        )}
        {role === "tunneler" && granted && <GrantedAccess tunneler={state.agentId!} granted={granted} />}
        {role === "tunneler" && !granted?.resources && (
          <TunnelerAccess tunneler={state.agentId!} connector={connector?.id} />
        )}
        <p>
          <a href="/tokens">Back to tokens</a> ·{" "}
          <a href={`/${role}s`}>{role === "connector" ? "Connectors" : "Tunnelers"}</a>
        </p>
      </>,
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  },
};
