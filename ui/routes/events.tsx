/**
 * `/events`: the audit trail with filters by kind (a select of the known kinds and their
 * prefixes), agent, resource and time (within the last …, or from/to in UTC): a GET form, so it
 * works without JavaScript. The failure-mode id beside an event links to its doc.
 */
import { Island } from "../components/Island.tsx";
import type { AuditEvent } from "../lib/admin_client.ts";
import {
  apiQuery,
  type EventFilters,
  isFiltered,
  readFilters,
  WITHIN_CHOICES,
} from "../lib/event_filters.ts";
import { EVENT_KIND_GROUPS, isKnownKind } from "../lib/event_kinds.ts";
import { describeError, type RouteModule } from "../context.ts";

function Filters(props: { f: EventFilters }) {
  const { f } = props;
  return (
    <form method="get" action="/events" class="filters" role="search" id="event-filters">
      <label>
        Kind
        <select name="kind" id="kind">
          <option value="" selected={f.kind === ""}>any</option>
          {f.kind && !isKnownKind(f.kind) && <option value={f.kind} selected>{f.kind}</option>}
          {EVENT_KIND_GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.prefix && (
                <option value={g.prefix} selected={f.kind === g.prefix}>{`${g.prefix}* (all)`}</option>
              )}
              {g.kinds.map((k) => <option key={k} value={k} selected={f.kind === k}>{k}</option>)}
            </optgroup>
          ))}
        </select>
      </label>
      <label>
        Agent <input name="agent" id="agent" value={f.agent} placeholder="any id" />
      </label>
      <label>
        Resource <input name="resource" id="resource" value={f.resource} placeholder="any name" />
      </label>
      <label>
        Within the last
        <select name="within" id="within">
          <option value="" selected={f.within === ""}>any time</option>
          {WITHIN_CHOICES.map(([v, label]) => (
            <option key={v} value={v} selected={f.within === v}>{label}</option>
          ))}
        </select>
      </label>
      <label>
        From (UTC) <input name="from" id="from" type="datetime-local" value={f.from} />
      </label>
      <label>
        To (UTC) <input name="to" id="to" type="datetime-local" value={f.to} />
      </label>
      <label>
        Limit <input name="limit" id="limit" type="number" min="1" max="1000" value={String(f.limit)} />
      </label>
      <button type="submit">Filter</button>
      {isFiltered(f) && <a href="/events">Clear</a>}
    </form>
  );
}

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const f = readFilters(ctx.url.searchParams);
    const now = Date.now();
    const built = apiQuery(f, now);
    let events: AuditEvent[] = [];
    let error: { status: number; message: string } | undefined;
    if ("error" in built) error = { status: 400, message: built.error };
    else {
      try {
        events = await ctx.deps.client.list<AuditEvent>(`/api/admin/events${built.query}`, "events");
      } catch (e) {
        error = describeError(e);
      }
    }
    return ctx.page(
      "Events",
      <>
        <h1>Events</h1>
        <Filters f={f} />
        {"query" in built && <Island name="EventsTable" props={{ events, query: built.query, now }} />}
      </>,
      { status: error?.status === 502 ? 502 : error?.status === 400 ? 400 : 200, error: error?.message },
    );
  },
};
