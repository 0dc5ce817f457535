/// <reference lib="dom" />
import type { Connector } from "../lib/admin_client.ts";
import { RelTime } from "./_bits.tsx";
import { LiveAgentTable } from "./_agent_table.tsx";

/** Props of ConnectorsTable: the list rendered on the server and the server's clock. */
export interface ConnectorsTableProps {
  connectors: Connector[];
  now: number;
}

/** The connectors table, kept live. */
export default function ConnectorsTable(props: ConnectorsTableProps) {
  return (
    <LiveAgentTable
      kind="connector"
      initial={props.connectors}
      now={props.now}
      columns={[
        { header: "Last seen", cell: (c, now) => <RelTime iso={c.last_seen} now={now} /> },
        { header: "Private IP", cell: (c) => <code>{c.private_ip ?? "—"}</code> },
        { header: "Version", cell: (c) => c.version ?? "—" },
      ]}
    />
  );
}
