/** `/events`: the audit trail with filters by kind and agent (a GET form: works without JavaScript). */
import { Island } from "../components/Island.tsx";
import type { AuditEvent } from "../lib/admin_client.ts";
import { describeError, type RouteModule } from "../context.ts";

const KINDS = [
  "enrolled",
  "renewed",
  "revoked",
  "online",
  "offline",
  "status",
  "allowlist",
  "resources",
  "token",
];

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
    const kinds = [...new Set([...KINDS, ...events.map((e) => e.kind).filter((k): k is string => !!k)])];
    return ctx.page(
      "Events",
      <>
        <h1>Events</h1>
        <form method="get" action="/events" class="filters" role="search">
          <label>
            Kind <input name="kind" value={kind} list="kinds" placeholder="any" />
          </label>
          <datalist id="kinds">{kinds.map((k) => <option key={k} value={k} />)}</datalist>
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
