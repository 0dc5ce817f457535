/**
 * Which connectors a tunneler has to do with, and why: the one relaying its heartbeats, those whose
 * allowlist names it, those serving a resource a policy grants it.
 * @module
 */
import type { ResourceGrant } from "../../shared/access/views.ts";

/** One connector of a tunneler and the reasons it is listed. */
export interface TunnelerConnector {
  id: string;
  /** The connector's status; undefined when it is not enrolled. */
  status: string | undefined;
  relays: boolean;
  allowlisted: boolean;
  /** Names of granted resources it serves. */
  serves: string[];
}

/** The rows, sorted by id; a connector with no reason is left out. */
export function tunnelerConnectors(input: {
  connectors: { id: string; status?: string | undefined }[];
  /** Allowlist of each connector, by id. */
  allowlists: Map<string, string[]>;
  grants: ResourceGrant[];
  tunnelerId: string;
  /** The connector relaying its heartbeats, if any. */
  relayedBy: string | null | undefined;
}): TunnelerConnector[] {
  const status = new Map(input.connectors.map((c) => [c.id, c.status]));
  const ids = new Set<string>(input.relayedBy ? [input.relayedBy] : []);
  for (const [id, list] of input.allowlists) if (list.includes(input.tunnelerId)) ids.add(id);
  for (const g of input.grants) for (const c of g.connectors) ids.add(c);
  return [...ids].sort().map((id) => ({
    id,
    status: status.get(id),
    relays: id === input.relayedBy,
    allowlisted: input.allowlists.get(id)?.includes(input.tunnelerId) ?? false,
    serves: input.grants.filter((g) => g.connectors.includes(id)).map((g) => g.name),
  }));
}
