/**
 * Effective access computed from the model: what a tunneler may reach (`grants`), who may reach a
 * resource (`tunnelersOf`), and the per-connector view the controller pushes (`compileConnector`),
 * which the connector decides with (`decision.ts`). All three walk the model the same way
 * (`memberships`), so the admin views and the enforcement cannot disagree.
 * @module
 */
import type { AccessModel, Resource } from "./model.ts";

/** Why a tunneler holds a resource: the policy, and the group when the grant came through one. */
export interface GrantedBy {
  policy: string;
  group?: string;
}

/** One resource a tunneler may reach. */
export interface ResourceGrant {
  name: string;
  address: string;
  connectors: string[];
  granted_by: GrantedBy[];
}

/** One tunneler that may reach a resource. */
export interface TunnelerGrant {
  id: string;
  granted_by: GrantedBy[];
}

/** What one connector enforces for one tunneler: the resources it serves that were granted. */
export interface ConnectorGrant {
  tunneler: string;
  resources: { name: string; address: string }[];
}

/** Every (tunneler, resource, granted_by) the model grants, resources that exist only. */
function* memberships(
  model: AccessModel,
  filter: { tunneler?: string; resource?: string } = {},
): Generator<{ tunneler: string; resource: Resource; by: GrantedBy }> {
  const resources = new Map(model.resources.map((r) => [r.name, r]));
  const groups = new Map(model.groups.map((g) => [g.name, g]));
  for (const p of model.policies) {
    const held = p.resources.flatMap((n) => {
      const r = resources.get(n);
      return r && (filter.resource === undefined || n === filter.resource) ? [r] : [];
    });
    if (held.length === 0) continue;
    const members: { tunneler: string; by: GrantedBy }[] = [];
    for (const t of p.tunnelers) members.push({ tunneler: t, by: { policy: p.name } });
    for (const gn of p.groups) {
      for (const t of groups.get(gn)?.tunnelers ?? []) {
        members.push({ tunneler: t, by: { policy: p.name, group: gn } });
      }
    }
    for (const m of members) {
      if (filter.tunneler !== undefined && m.tunneler !== filter.tunneler) continue;
      for (const r of held) yield { tunneler: m.tunneler, resource: r, by: m.by };
    }
  }
}

function byPolicyThenGroup(a: GrantedBy, b: GrantedBy): number {
  return a.policy.localeCompare(b.policy) || (a.group ?? "").localeCompare(b.group ?? "");
}

function addBy(list: GrantedBy[], by: GrantedBy): void {
  if (!list.some((x) => x.policy === by.policy && x.group === by.group)) list.push(by);
}

/** The resources `tunnelerId` may reach, by name, with why. */
export function grants(model: AccessModel, tunnelerId: string): ResourceGrant[] {
  const out = new Map<string, ResourceGrant>();
  for (const { resource: r, by } of memberships(model, { tunneler: tunnelerId })) {
    let g = out.get(r.name);
    if (!g) {
      out.set(
        r.name,
        g = { name: r.name, address: r.address, connectors: [...r.connectors], granted_by: [] },
      );
    }
    addBy(g.granted_by, by);
  }
  const list = [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const g of list) g.granted_by.sort(byPolicyThenGroup);
  return list;
}

/** The tunnelers that may reach the resource `name`, by id, with why. */
export function tunnelersOf(model: AccessModel, name: string): TunnelerGrant[] {
  const out = new Map<string, TunnelerGrant>();
  for (const { tunneler, by } of memberships(model, { resource: name })) {
    let g = out.get(tunneler);
    if (!g) out.set(tunneler, g = { id: tunneler, granted_by: [] });
    addBy(g.granted_by, by);
  }
  const list = [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const g of list) g.granted_by.sort(byPolicyThenGroup);
  return list;
}

/**
 * What `connectorId` enforces: for each tunneler granted a resource this connector serves, those
 * resources (name and address), sorted. `exclude` leaves tunnelers out (revoked ones).
 */
export function compileConnector(
  model: AccessModel,
  connectorId: string,
  exclude: ReadonlySet<string> = new Set(),
): ConnectorGrant[] {
  const served: AccessModel = {
    ...model,
    resources: model.resources.filter((r) => r.connectors.includes(connectorId)),
  };
  const out = new Map<string, Map<string, string>>();
  for (const { tunneler, resource } of memberships(served)) {
    if (exclude.has(tunneler)) continue;
    let m = out.get(tunneler);
    if (!m) out.set(tunneler, m = new Map());
    m.set(resource.name, resource.address);
  }
  return [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([tunneler, m]) => ({
    tunneler,
    resources: [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, address]) => ({
      name,
      address,
    })),
  }));
}
