/// <reference lib="dom" />
import type { Tunneler } from "../lib/admin_client.ts";
import { RelTime } from "./_bits.tsx";
import { LiveAgentTable } from "./_agent_table.tsx";

/** Props of TunnelersTable: the list rendered on the server and the server's clock. */
export interface TunnelersTableProps {
  tunnelers: Tunneler[];
  now: number;
}

/** The tunnelers table, kept live. */
export default function TunnelersTable(props: TunnelersTableProps) {
  return (
    <LiveAgentTable
      kind="tunneler"
      initial={props.tunnelers}
      now={props.now}
      columns={[
        {
          header: "Connector",
          cell: (t) =>
            t.connector_id
              ? <a href={`/connectors/${encodeURIComponent(t.connector_id)}`}>{t.connector_id}</a>
              : <span class="muted">—</span>,
        },
        { header: "Last seen", cell: (t, now) => <RelTime iso={t.last_seen} now={now} /> },
      ]}
    />
  );
}
