/** Recent tunnels (`tunnel.opened`, `tunnel.closed`, `tunnel.refused` events) as a table. */
import type { AuditEvent } from "../lib/admin_client.ts";
import { absoluteTime, formatBytes } from "../lib/format.ts";
import { RelTime } from "../islands/_bits.tsx";

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
      <div class="scroll">
        <table id="recent-tunnels">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Tunneler</th>
              <th scope="col">Connector</th>
              <th scope="col">Resource</th>
              <th scope="col" class="num">Bytes in</th>
              <th scope="col" class="num">Bytes out</th>
            </tr>
          </thead>
          <tbody>
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
          </tbody>
        </table>
      </div>
      <p>
        <a href={props.more}>All of these events</a>
      </p>
    </>
  );
}
