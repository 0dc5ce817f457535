/// <reference lib="dom" />
import type { Connector, Tunneler } from "../lib/admin_client.ts";
import { expiresSoon, statusOf } from "../lib/format.ts";
import { LiveError, RelTime } from "./_bits.tsx";
import { TrafficTable } from "./_traffic.tsx";
import { useLiveJson, useNow } from "./_live.ts";

/** Props of Dashboard. */
export interface DashboardProps {
  connectors: Connector[];
  tunnelers: Tunneler[];
  now: number;
}

function Counts(props: { label: string; href: string; items: { status?: string }[]; id: string }) {
  const online = props.items.filter((a) => statusOf(a) === "ONLINE").length;
  return (
    <a class="card" href={props.href} id={props.id}>
      <h2>{props.label}</h2>
      <p class="big" data-total>{props.items.length}</p>
      <p>
        <span class="badge ok" data-online>{online} online</span>{" "}
        <span class="badge off" data-offline>{props.items.length - online} offline</span>
      </p>
    </a>
  );
}

/** Connector and tunneler counts, expiring certificates and live traffic per agent, kept live. */
export default function Dashboard(props: DashboardProps) {
  const c = useLiveJson("/api/admin/connectors", props.connectors);
  const t = useLiveJson("/api/admin/tunnelers", props.tunnelers);
  const now = useNow(props.now);
  const expiring = [
    ...c.data.map((a) => ({ kind: "connectors", a })),
    ...t.data.map((a) => ({ kind: "tunnelers", a })),
  ].filter(({ a }) => expiresSoon(a.cert_expires_at, now))
    .sort((x, y) => String(x.a.cert_expires_at).localeCompare(String(y.a.cert_expires_at)));
  return (
    <div>
      <LiveError error={c.error ?? t.error} />
      <div class="cards">
        <Counts label="Connectors" href="/connectors" items={c.data} id="connector-counts" />
        <Counts label="Tunnelers" href="/tunnelers" items={t.data} id="tunneler-counts" />
        <div class="card">
          <h2>Certificates expiring within 15 min</h2>
          {expiring.length === 0 ? <p class="muted">None: renewals are on time.</p> : (
            <ul class="plain">
              {expiring.slice(0, 8).map(({ kind, a }) => (
                <li key={kind + a.id}>
                  <a href={`/${kind}/${encodeURIComponent(a.id)}`}>{a.id}</a>{" "}
                  <RelTime iso={a.cert_expires_at} now={now} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <h2 id="traffic-h">Live traffic</h2>
      <p class="muted">
        Sessions open now and bytes since each agent started, as the agents last reported them.
      </p>
      <TrafficTable connectors={c.data} tunnelers={t.data} />
    </div>
  );
}
