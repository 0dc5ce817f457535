/// <reference lib="dom" />
import type { Tunneler } from "../lib/admin_client.ts";
import { expiresSoon } from "../lib/format.ts";
import { LiveError, RelTime, StatusBadge } from "./_bits.tsx";
import { useLiveJson, useNow } from "./_live.ts";

/** Props of TunnelersTable. */
export interface TunnelersTableProps {
  tunnelers: Tunneler[];
  now: number;
}

/** The tunnelers table, kept live. */
export default function TunnelersTable(props: TunnelersTableProps) {
  const { data, error } = useLiveJson("/api/admin/tunnelers", props.tunnelers);
  const now = useNow(props.now);
  return (
    <div>
      <LiveError error={error} />
      {data.length === 0
        ? <p class="empty">No tunnelers yet. Create a tunneler token to enroll one.</p>
        : (
          <div class="scroll">
            <table id="tunnelers">
              <thead>
                <tr>
                  <th scope="col">Tunneler</th>
                  <th scope="col">Status</th>
                  <th scope="col">Connector</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Certificate expires</th>
                </tr>
              </thead>
              <tbody>
                {data.map((t) => (
                  <tr key={t.id} data-id={t.id}>
                    <td>
                      <a href={`/tunnelers/${encodeURIComponent(t.id)}`}>{t.id}</a>
                    </td>
                    <td>
                      <StatusBadge status={t.status} />
                    </td>
                    <td>
                      {t.connector_id
                        ? <a href={`/connectors/${encodeURIComponent(t.connector_id)}`}>{t.connector_id}</a>
                        : <span class="muted">—</span>}
                    </td>
                    <td>
                      <RelTime iso={t.last_seen} now={now} />
                    </td>
                    <td class={expiresSoon(t.cert_expires_at, now) ? "soon" : ""}>
                      <RelTime iso={t.cert_expires_at} now={now} />
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
