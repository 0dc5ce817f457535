/**
 * `/events`: the audit trail with filters by kind (a select of the known kinds and their prefixes)
 * and agent (a GET form: works without JavaScript).
 */
import { Island } from "../components/Island.tsx";
import type { AuditEvent } from "../lib/admin_client.ts";
import { EVENT_KIND_GROUPS, isKnownKind } from "../lib/event_kinds.ts";
import { describeError, type RouteModule } from "../context.ts";

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const kind = ctx.url.searchParams.get("kind")?.trim() ?? "";
    const agent = ctx.url.searchParams.get("agent")?.trim() ?? "";
    const limitText = ctx.url.searchParams.get("limit") ?? "";
    const limit = /^\d{1,4}$/.test(limitText) && Number(limitText) > 0
      ? Math.min(1000, Number(limitText))
      : 100;
    const q = new URLSearchParams();
    if (kind) q.set("kind", kind);
    if (agent) q.set("agent", agent);
    q.set("limit", String(limit));
    const query = `?${q}`;
    let events: AuditEvent[] = [];
    let error: { status: number; message: string } | undefined;
    try {
      events = await ctx.deps.client.list<AuditEvent>(`/api/admin/events${query}`, "events");
    } catch (e) {
      error = describeError(e);
    }
    return ctx.page(
      "Events",
      <>
        <h1>Events</h1>
        <form method="get" action="/events" class="filters" role="search">
          <label>
            Kind
            <select name="kind" id="kind">
              <option value="" selected={kind === ""}>any</option>
              {kind && !isKnownKind(kind) && <option value={kind} selected>{kind}</option>}
              {EVENT_KIND_GROUPS.map((g) => (
                <optgroup key={g.label} label={g.label}>
                  {g.prefix && (
                    <option value={g.prefix} selected={kind === g.prefix}>{`${g.prefix}* (all)`}</option>
                  )}
                  {g.kinds.map((k) => <option key={k} value={k} selected={kind === k}>{k}</option>)}
                </optgroup>
              ))}
            </select>
          </label>
          <label>
            Agent <input name="agent" value={agent} placeholder="any id" />
          </label>
          <label>
            Limit <input name="limit" type="number" min="1" max="1000" value={String(limit)} />
          </label>
          <button type="submit">Filter</button>
          {(kind || agent) && <a href="/events">Clear</a>}
        </form>
        <Island name="EventsTable" props={{ events, query, now: Date.now() }} />
      </>,
      { status: error?.status === 502 ? 502 : 200, error: error?.message },
    );
  },
};
