/** Recent tunnels (`tunnel.opened`, `tunnel.closed`, `tunnel.refused` events) as a table. */
import type { AuditEvent } from "../lib/admin_client.ts";
import { absoluteTime, formatBytes } from "../lib/format.ts";
import { RelTime } from "../islands/_bits.tsx";
import { ScrollTable } from "./ScrollTable.tsx";

function link(base: string, id: unknown) {
  return typeof id === "string" ? <a href={`/${base}/${encodeURIComponent(id)}`}>{id}</a> : "—";
}

/** The tunnel events, newest first (`#recent-tunnels`); `more` links to the events page filtered alike. */
export function TunnelEventsTable(props: { events: AuditEvent[]; now: number; more: string }) {
  if (props.events.length === 0) {
    return <p class="empty" id="recent-tunnels-none">No tunnels recorded yet.</p>;
  }
  return (
    <>
      <ScrollTable
        id="recent-tunnels"
        columns={[
          "When",
          "What",
          "Tunneler",
          "Connector",
          "Resource",
          { label: "Bytes in", class: "num" },
          { label: "Bytes out", class: "num" },
        ]}
      >
        {props.events.map((e, i) => (
          <tr key={String(e.id ?? i)} data-kind={e.kind} data-tunneler={String(e.tunneler ?? "")}>
            <td title={absoluteTime(e.ts)}>
              <RelTime iso={e.ts} now={props.now} />
            </td>
            <td>
              {String(e.kind ?? "").replace(/^tunnel\./, "")}
              {e.kind === "tunnel.refused" && typeof e.error === "string" && (
                <span class="muted">: {e.error}</span>
              )}
            </td>
            <td>{link("tunnelers", e.tunneler)}</td>
            <td>{link("connectors", e.connector)}</td>
            <td>
              {typeof e.resource === "string"
                ? link("resources", e.resource)
                : <code>{String(e.destination ?? "—")}</code>}
            </td>
            <td class="num" data-bytes-in>
              {e.kind === "tunnel.closed" ? formatBytes(e.bytes_in as number) : ""}
            </td>
            <td class="num" data-bytes-out>
              {e.kind === "tunnel.closed" ? formatBytes(e.bytes_out as number) : ""}
            </td>
          </tr>
        ))}
      </ScrollTable>
      <p>
        <a href={props.more}>All of these events</a>
      </p>
    </>
  );
}
