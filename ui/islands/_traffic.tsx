/// <reference lib="dom" />
/** The dashboard's live traffic table: what each connector and tunneler last reported. */
import type { Connector, Tunneler } from "../lib/admin_client.ts";
import { formatBytes } from "../lib/format.ts";
import { StatusBadge } from "./_bits.tsx";
import { ScrollTable } from "../components/ScrollTable.tsx";

/** Props of {@link TrafficTable}. */
export interface TrafficTableProps {
  connectors: Connector[];
  tunnelers: Tunneler[];
}

/** Sessions and bytes each way, per agent: connectors first, then tunnelers, by id. */
export function TrafficTable(props: TrafficTableProps) {
  const rows = [
    ...props.connectors.map((a) => ({ kind: "connector" as const, a })),
    ...props.tunnelers.map((a) => ({ kind: "tunneler" as const, a })),
  ];
  if (rows.length === 0) return <p class="empty">No agents yet, so no traffic.</p>;
  return (
    <ScrollTable
      id="traffic"
      columns={[
        "Agent",
        "Role",
        "Status",
        { label: "Sessions", class: "num" },
        { label: "Bytes in", class: "num" },
        { label: "Bytes out", class: "num" },
      ]}
    >
      {rows.map(({ kind, a }) => (
        <tr key={kind + a.id} data-id={a.id} data-role={kind}>
          <td>
            <a href={`/${kind}s/${encodeURIComponent(a.id)}`}>{a.id}</a>
          </td>
          <td>{kind}</td>
          <td>
            <StatusBadge status={a.status} />
          </td>
          <td class="num" data-sessions>{a.active_sessions ?? "—"}</td>
          <td class="num" data-bytes-in title={a.bytes_in == null ? "" : `${a.bytes_in} bytes`}>
            {formatBytes(a.bytes_in)}
          </td>
          <td class="num" data-bytes-out title={a.bytes_out == null ? "" : `${a.bytes_out} bytes`}>
            {formatBytes(a.bytes_out)}
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}
