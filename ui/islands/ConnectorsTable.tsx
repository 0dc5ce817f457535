/// <reference lib="dom" />
import type { Connector } from "../lib/admin_client.ts";
import { absoluteTime, expiresSoon } from "../lib/format.ts";
import { LiveError, RelTime, StatusBadge } from "./_bits.tsx";
import { useLiveJson, useNow } from "./_live.ts";

/** Props of ConnectorsTable: the list rendered on the server and the server's clock. */
export interface ConnectorsTableProps {
  connectors: Connector[];
  now: number;
}

/** The connectors table, kept live. */
export default function ConnectorsTable(props: ConnectorsTableProps) {
  const { data, error } = useLiveJson("/api/admin/connectors", props.connectors);
  const now = useNow(props.now);
  return (
    <div>
      <LiveError error={error} />
      {data.length === 0
        ? <p class="empty">No connectors yet. Create a connector token to enroll one.</p>
        : (
          <div class="scroll">
            <table id="connectors">
              <thead>
                <tr>
                  <th scope="col">Connector</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Private IP</th>
                  <th scope="col">Version</th>
                  <th scope="col">Certificate expires</th>
                </tr>
              </thead>
              <tbody>
                {data.map((c) => (
                  <tr key={c.id} data-id={c.id}>
                    <td>
                      <a href={`/connectors/${encodeURIComponent(c.id)}`}>{c.id}</a>
                    </td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td>
                      <RelTime iso={c.last_seen} now={now} />
                    </td>
                    <td>
                      <code>{c.private_ip ?? "—"}</code>
                    </td>
                    <td>{c.version ?? "—"}</td>
                    <td
                      class={expiresSoon(c.cert_expires_at, now) ? "soon" : ""}
                      title={absoluteTime(c.cert_expires_at)}
                    >
                      <RelTime iso={c.cert_expires_at} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  );
}
