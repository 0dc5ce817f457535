/// <reference lib="dom" />
import type { AuditEvent } from "../lib/admin_client.ts";
import { absoluteTime, eventDetails } from "../lib/format.ts";
import { LiveError, RelTime } from "./_bits.tsx";
import { FailureModeLink } from "./_failure_mode.tsx";
import { useLiveJson, useNow } from "./_live.ts";
import { ScrollTable } from "../components/ScrollTable.tsx";

/** Props of EventsTable: the events, the API query they came from, the server clock. */
export interface EventsTableProps {
  events: AuditEvent[];
  /** Query string for /api/admin/events (filters), e.g. "?kind=enrolled&limit=50". */
  query: string;
  now: number;
  /** Show at most this many rows (dashboard: a few). */
  max?: number;
}

/** The audit trail, newest first, kept live. */
export default function EventsTable(props: EventsTableProps) {
  const { data, error } = useLiveJson(`/api/admin/events${props.query}`, props.events);
  const now = useNow(props.now);
  const sorted = [...data].sort((a, b) => String(b.ts ?? "").localeCompare(String(a.ts ?? "")))
    .slice(0, props.max ?? 500);
  return (
    <div>
      <LiveError error={error} />
      {sorted.length === 0
        ? <p class="empty">No events.</p>
        : (
          <ScrollTable id="events" columns={["When", "Kind", "Agent", "Details"]}>
            {sorted.map((e, i) => (
              <tr key={e.id ?? i} data-kind={e.kind}>
                <td title={absoluteTime(e.ts)}>
                  <RelTime iso={e.ts} now={now} />
                </td>
                <td>
                  <span class="kind">{e.kind ?? "—"}</span>
                  <FailureModeLink id={e.failure_mode} />
                </td>
                <td>{e.agent ?? "—"}</td>
                <td class="details">{eventDetails(e)}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
    </div>
  );
}
