/// <reference lib="dom" />
/** The live table both agent lists share: name, status, the kind's own columns, certificate expiry. */
import type { ComponentChildren } from "preact";
import { expiresSoon } from "../lib/format.ts";
import { LiveError, RelTime, StatusBadge } from "./_bits.tsx";
import { FailureModeLink } from "./_failure_mode.tsx";
import { useLiveJson, useNow } from "./_live.ts";
import { ScrollTable } from "../components/ScrollTable.tsx";

/** What every agent row has. */
export interface AgentRow {
  id: string;
  status?: string;
  cert_expires_at?: string | null;
}

/** A column of the kind's own, between status and certificate expiry. */
export interface AgentColumn<T> {
  header: string;
  cell: (row: T, now: number) => ComponentChildren;
}

/** Props of {@link LiveAgentTable}. */
export interface LiveAgentTableProps<T extends AgentRow> {
  /** "connector" or "tunneler": table id, links and texts. */
  kind: "connector" | "tunneler";
  /** The list rendered on the server and the server's clock. */
  initial: T[];
  now: number;
  columns: AgentColumn<T>[];
}

/** The agents of one kind, kept live from `/api/admin/<kind>s`. */
export function LiveAgentTable<T extends AgentRow>(props: LiveAgentTableProps<T>) {
  const plural = `${props.kind}s`;
  const { data, error } = useLiveJson(`/api/admin/${plural}`, props.initial);
  const now = useNow(props.now);
  const title = props.kind[0]!.toUpperCase() + props.kind.slice(1);
  return (
    <div>
      <LiveError error={error} />
      {data.length === 0
        ? <p class="empty">No {plural} yet. Create a {props.kind} token to enroll one.</p>
        : (
          <ScrollTable
            id={plural}
            columns={[title, "Status", ...props.columns.map((c) => c.header), "Certificate expires"]}
          >
            {data.map((row) => (
              <tr key={row.id} data-id={row.id}>
                <td>
                  <a href={`/${plural}/${encodeURIComponent(row.id)}`}>{row.id}</a>
                </td>
                <td>
                  <StatusBadge status={row.status} />
                  {row.status === "OFFLINE" && <FailureModeLink id="3.2" />}
                </td>
                {props.columns.map((c) => <td key={c.header}>{c.cell(row, now)}</td>)}
                <td class={expiresSoon(row.cert_expires_at, now) ? "soon" : ""}>
                  <RelTime iso={row.cert_expires_at} now={now} />
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
    </div>
  );
}
