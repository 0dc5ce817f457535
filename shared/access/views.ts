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

/**
 * What one connector enforces, compact: the granted resources it serves (a table), and one grant
 * per policy that grants any of them: its tunnelers (groups expanded) and the resources (indices
 * into the table). Its size grows with policies plus resources, not with their product.
 */
export interface ConnectorGrants {
  resources: { name: string; address: string }[];
  grants: { tunnelers: string[]; resources: number[] }[];
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

/** Code-unit order (stable across locales, and far cheaper than localeCompare on large views). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byPolicyThenGroup(a: GrantedBy, b: GrantedBy): number {
  return cmp(a.policy, b.policy) || cmp(a.group ?? "", b.group ?? "");
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
  const list = [...out.values()].sort((a, b) => cmp(a.name, b.name));
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
  const list = [...out.values()].sort((a, b) => cmp(a.id, b.id));
  for (const g of list) g.granted_by.sort(byPolicyThenGroup);
  return list;
}

/**
 * What `connectorId` enforces: the resources it serves that a policy grants, and per policy the
 * tunnelers it grants them to. `exclude` leaves tunnelers out (revoked ones).
 */
export function compileConnector(
  model: AccessModel,
  connectorId: string,
  exclude: ReadonlySet<string> = new Set(),
): ConnectorGrants {
  const served = new Map(
    model.resources.filter((r) => r.connectors.includes(connectorId)).map((r) => [r.name, r]),
  );
  const groups = new Map(model.groups.map((g) => [g.name, g]));
  const index = new Map<string, number>();
  const resources: ConnectorGrants["resources"] = [];
  const grants: ConnectorGrants["grants"] = [];
  for (const p of [...model.policies].sort((a, b) => cmp(a.name, b.name))) {
    const held = [...new Set(p.resources)].filter((n) => served.has(n));
    if (held.length === 0) continue;
    const members = new Set(p.tunnelers);
    for (const gn of p.groups) for (const t of groups.get(gn)?.tunnelers ?? []) members.add(t);
    for (const t of exclude) members.delete(t);
    if (members.size === 0) continue;
    const at = held.map((n) => {
      let i = index.get(n);
      if (i === undefined) {
        index.set(n, i = resources.length);
        resources.push({ name: n, address: served.get(n)!.address });
      }
      return i;
    });
    grants.push({ tunnelers: [...members].sort(cmp), resources: at });
  }
  return { resources, grants };
}
