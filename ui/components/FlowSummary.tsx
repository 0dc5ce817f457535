/** The dashboard's last hour of tunnels: top resources, top tunnelers, refused attempts, each linking to its events. */
import { RelTime } from "../islands/_bits.tsx";
import type { AuditEvent } from "../lib/admin_client.ts";
import { formatBytes } from "../lib/format.ts";
import { refusedBy, topBy, type TopRow } from "../lib/top_traffic.ts";

const HOUR = "within=3600";

function Top(
  props: { id: string; title: string; rows: TopRow[]; href: (name: string) => string; page: string },
) {
  return (
    <div class="card" id={props.id}>
      <h2>{props.title}</h2>
      {props.rows.length === 0
        ? <p class="muted">No closed tunnels in the last hour.</p>
        : (
          <ol class="plain top">
            {props.rows.map((r) => (
              <li key={r.name} data-name={r.name}>
                <a href={props.href(r.name)}>{r.name}</a>{" "}
                <span class="muted" data-bytes>
                  {formatBytes(r.bytes)} in {r.tunnels} tunnel{r.tunnels === 1 ? "" : "s"}
                </span>{" "}
                <a class="small" href={`/${props.page}/${encodeURIComponent(r.name)}`}>page</a>
              </li>
            ))}
          </ol>
        )}
    </div>
  );
}

/** The three cards from the last hour's `tunnel.closed` and `tunnel.refused` events. */
export function FlowSummary(props: { closed: AuditEvent[]; refused: AuditEvent[]; now: number }) {
  const refused = refusedBy(props.refused);
  return (
    <div class="cards">
      <Top
        id="top-resources"
        title="Top resources, last hour"
        rows={topBy(props.closed, "resource")}
        href={(n) => `/events?kind=tunnel.&resource=${encodeURIComponent(n)}&${HOUR}`}
        page="resources"
      />
      <Top
        id="top-tunnelers"
        title="Top tunnelers, last hour"
        rows={topBy(props.closed, "tunneler")}
        href={(n) => `/events?kind=tunnel.&agent=${encodeURIComponent(n)}&${HOUR}`}
        page="tunnelers"
      />
      <div class="card" id="refused-attempts">
        <h2>Refused attempts, last hour</h2>
        {refused.length === 0 ? <p class="muted">None.</p> : (
          <ol class="plain top">
            {refused.map((r) => (
              <li key={r.tunneler} data-tunneler={r.tunneler}>
                <a
                  href={`/events?kind=tunnel.refused${
                    r.tunneler ? `&agent=${encodeURIComponent(r.tunneler)}` : ""
                  }&${HOUR}`}
                >
                  {r.tunneler || "unknown tunneler"}
                </a>{" "}
                <span data-count>{r.count}×</span> <span class="muted">{r.lastError}</span>{" "}
                <RelTime iso={r.lastTs} now={props.now} />
              </li>
            ))}
          </ol>
        )}
        <p>
          <a href={`/events?kind=tunnel.refused&${HOUR}`}>All refusals</a>
        </p>
      </div>
    </div>
  );
}
