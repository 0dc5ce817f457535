/** The resource page's own sections: who may reach it (and why), and who did recently. */
import type { TunnelerGrant } from "../../../shared/access/views.ts";
import { ResourceReachTable } from "../../components/Grants.tsx";
import { TunnelEventsTable } from "../../components/TunnelEvents.tsx";
import type { AuditEvent, Tunneler } from "../../lib/admin_client.ts";
import type { ExtraSections } from "./detail.tsx";

/** Recent tunnels shown on a resource page. */
const RECENT = 20;

/** Sections below a resource's editor. */
export const resourceSections: ExtraSections = async (ctx, record) => {
  const { client } = ctx.deps;
  const name = encodeURIComponent(record.name);
  const events = `kind=tunnel.&resource=${name}`;
  const [access, tunnelers, recent] = await Promise.all([
    client.json<{ tunnelers?: TunnelerGrant[] }>("GET", `/api/admin/resources/${name}/access`),
    client.list<Tunneler>("/api/admin/tunnelers", "tunnelers"),
    client.list<AuditEvent>(`/api/admin/events?${events}&limit=${RECENT}`, "events"),
  ]);
  const status = new Map(tunnelers.map((t) => [t.id, t.status ?? "UNKNOWN"]));
  return (
    <>
      <section aria-labelledby="reach-h">
        <h2 id="reach-h">Who can reach it</h2>
        <p class="muted">The tunnelers the policies grant it to, and through which policy and group.</p>
        <ResourceReachTable tunnelers={access.tunnelers ?? []} status={status} />
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Who did recently</h2>
        <p class="muted">The latest tunnels to it: opened, closed (with the bytes each way) and refused.</p>
        <TunnelEventsTable events={recent} now={Date.now()} more={`/events?${events}`} />
      </section>
    </>
  );
};
