/**
 * Effective access, as the controller computes it (`shared/access/views.ts`): what a tunneler may
 * reach and who may reach a resource, each with the policy (and group) that grants it.
 */
import { Fragment } from "preact";
import type { GrantedBy, ResourceGrant, TunnelerGrant } from "../../shared/access/views.ts";
import { StatusBadge } from "../islands/_bits.tsx";
import { LinkList } from "./LinkList.tsx";
import { ScrollTable } from "./ScrollTable.tsx";

/** "policy staff-db via group staff; policy ops", each name linking to its page. */
export function GrantedByList(props: { by: GrantedBy[] }) {
  return (
    <>
      {props.by.map((b, i) => (
        <Fragment key={`${b.policy}/${b.group ?? ""}`}>
          {i > 0 && "; "}
          policy <a href={`/policies/${encodeURIComponent(b.policy)}`}>{b.policy}</a>
          {b.group !== undefined && (
            <>
              {" "}via group <a href={`/groups/${encodeURIComponent(b.group)}`}>{b.group}</a>
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}

function connectorPage(id: string): string {
  return `/connectors/${encodeURIComponent(id)}`;
}

/** The resources a tunneler may reach (`#tunneler-access`). */
export function TunnelerAccessTable(props: { grants: ResourceGrant[] }) {
  if (props.grants.length === 0) {
    return (
      <p class="empty" id="tunneler-access-none">
        No policy grants this tunneler a resource: it reaches nothing through named resources.{" "}
        <a href="/policies">Grant one on the policies page</a>.
      </p>
    );
  }
  return (
    <ScrollTable id="tunneler-access" columns={["Resource", "Address", "Through connectors", "Granted by"]}>
      {props.grants.map((g) => (
        <tr key={g.name} data-name={g.name}>
          <td>
            <a href={`/resources/${encodeURIComponent(g.name)}`}>{g.name}</a>
          </td>
          <td>
            <code>{g.address}</code>
          </td>
          <td data-field="connectors">
            <LinkList names={g.connectors} href={connectorPage} />
          </td>
          <td data-field="granted-by">
            <GrantedByList by={g.granted_by} />
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}

/** The tunnelers that may reach a resource (`#resource-access`), with their live status when enrolled. */
export function ResourceReachTable(props: { tunnelers: TunnelerGrant[]; status: Map<string, string> }) {
  if (props.tunnelers.length === 0) {
    return <p class="empty" id="resource-access-none">No policy grants this resource to anyone yet.</p>;
  }
  return (
    <ScrollTable id="resource-access" columns={["Tunneler", "Status", "Granted by"]}>
      {props.tunnelers.map((t) => (
        <tr key={t.id} data-id={t.id}>
          <td>
            <a href={`/tunnelers/${encodeURIComponent(t.id)}`}>{t.id}</a>
          </td>
          <td>
            {props.status.has(t.id)
              ? <StatusBadge status={props.status.get(t.id)} />
              : <span class="muted">not enrolled</span>}
          </td>
          <td data-field="granted-by">
            <GrantedByList by={t.granted_by} />
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}
