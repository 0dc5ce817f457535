/**
 * `/tunnelers/:id`: a tunneler's facts (live), its effective access (the resources the policies
 * grant it, through which connectors, by which policy and group), its connectors and why, its
 * recent tunnels, and the way to revoke it.
 */
import type { ResourceGrant } from "../../../shared/access/views.ts";
import { TunnelerAccessTable } from "../../components/Grants.tsx";
import { AgentHeading } from "../../components/AgentPages.tsx";
import { ScrollTable } from "../../components/ScrollTable.tsx";
import { TrafficPanel } from "../../components/TrafficPanel.tsx";
import { TunnelEventsTable } from "../../components/TunnelEvents.tsx";
import { StatusBadge } from "../../islands/_bits.tsx";
import type { AuditEvent, Connector, Tunneler } from "../../lib/admin_client.ts";
import { asList } from "../../lib/admin_client.ts";
import { type TunnelerConnector, tunnelerConnectors } from "../../lib/tunneler_connectors.ts";
import { describeError, type RouteModule } from "../../context.ts";

/** Allowlists read for the connectors section (one request each). */
const MAX_ALLOWLISTS = 100;

function ConnectorsTable(props: { rows: TunnelerConnector[] }) {
  if (props.rows.length === 0) {
    return (
      <p class="empty">No connector allows it, serves it a granted resource or relays its heartbeats.</p>
    );
  }
  return (
    <ScrollTable id="tunneler-connectors" columns={["Connector", "Status", "Why"]}>
      {props.rows.map((r) => (
        <tr key={r.id} data-id={r.id}>
          <td>
            <a href={`/connectors/${encodeURIComponent(r.id)}`}>{r.id}</a>
          </td>
          <td>
            {r.status ? <StatusBadge status={r.status} /> : <span class="muted">not enrolled</span>}
          </td>
          <td data-field="why">
            {[
              ...(r.relays ? ["relays its heartbeats"] : []),
              ...(r.allowlisted ? ["its allowlist names it"] : []),
              ...(r.serves.length ? [`serves ${r.serves.join(", ")}`] : []),
            ].join("; ")}
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}

export const handler: RouteModule["handler"] = {
  async GET(ctx) {
    const id = ctx.params.id!;
    const path = `/api/admin/tunnelers/${encodeURIComponent(id)}`;
    const { client } = ctx.deps;
    let tunneler: Tunneler;
    try {
      tunneler = await client.one<Tunneler>(path, "tunneler");
    } catch (e) {
      const { status, message } = describeError(e);
      return ctx.page(`Tunneler ${id}`, <h1>Tunneler {id}</h1>, { status, error: message });
    }
    // The sections below the facts: a failure shows in them, the facts stay.
    let grants: ResourceGrant[] = [], rows: TunnelerConnector[] = [], recent: AuditEvent[] = [];
    let sectionError: string | undefined;
    try {
      const [access, connectors, events] = await Promise.all([
        client.json<{ resources?: ResourceGrant[] }>("GET", `${path}/access`),
        client.list<Connector>("/api/admin/connectors", "connectors"),
        client.list<AuditEvent>(
          `/api/admin/events?kind=tunnel.&agent=${encodeURIComponent(id)}&limit=10`,
          "events",
        ),
      ]);
      grants = access.resources ?? [];
      recent = events;
      const lists = await Promise.all(
        connectors.slice(0, MAX_ALLOWLISTS).map(async (c) =>
          [
            c.id,
            asList<string>(
              await client.json("GET", `/api/admin/connectors/${encodeURIComponent(c.id)}/allowlist`),
              "tunnelers",
            ),
          ] as const
        ),
      );
      rows = tunnelerConnectors({
        connectors,
        allowlists: new Map(lists),
        grants,
        tunnelerId: id,
        relayedBy: tunneler.connector_id,
      });
    } catch (e) {
      sectionError = describeError(e).message;
    }
    return ctx.page(
      `Tunneler ${id}`,
      <>
        <AgentHeading kind="tunneler" id={id} agent={tunneler} />
        <section aria-labelledby="traffic-h">
          <h2 id="traffic-h">Throughput</h2>
          <TrafficPanel deps={ctx.deps} role="tunnelers" id={id} label={`Tunneler ${id}`} />
        </section>
        {sectionError && <p class="banner error" role="alert" id="sections-error">{sectionError}</p>}
        <section aria-labelledby="access-h">
          <h2 id="access-h">Effective access</h2>
          <p class="muted">What the policies grant it, as the connectors enforce it.</p>
          <TunnelerAccessTable grants={grants} />
        </section>
        <section aria-labelledby="connectors-h">
          <h2 id="connectors-h">Connectors</h2>
          <ConnectorsTable rows={rows} />
        </section>
        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recent tunnels</h2>
          <TunnelEventsTable
            events={recent}
            now={Date.now()}
            more={`/events?kind=tunnel.&agent=${encodeURIComponent(id)}`}
          />
        </section>
        <section class="danger">
          <h2>Revoke</h2>
          <p>Revoking ends this tunneler's identity: its sessions end and it must enroll again.</p>
          <a class="button danger" href={`/tunnelers/${encodeURIComponent(id)}/revoke`}>Revoke tunneler…</a>
        </section>
      </>,
    );
  },
};
