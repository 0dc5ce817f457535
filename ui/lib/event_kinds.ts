/**
 * The audit event kinds the controller records, for the events filter. A prefix ending in `.`
 * (`tunnel.`) matches every kind that starts with it, as the admin API's `kind` filter does.
 * @module
 */

/** One choice of the filter: the `kind` query value and its label. */
export interface KindChoice {
  value: string;
  label: string;
}

const AGENT_KINDS = ["enrolled", "renewed", "revoked", "online", "offline", "certificate_adopted"];

/** Groups of kinds: a prefix first, then the exact kinds under it. */
export const EVENT_KIND_GROUPS: { label: string; prefix?: string; kinds: string[] }[] = [
  {
    label: "Connectors",
    prefix: "connector.",
    kinds: [...AGENT_KINDS, "allowlist_changed", "resources_changed", "tunnel_events_dropped"].map((k) =>
      `connector.${k}`
    ),
  },
  { label: "Tunnelers", prefix: "tunneler.", kinds: AGENT_KINDS.map((k) => `tunneler.${k}`) },
  { label: "Tunnels", prefix: "tunnel.", kinds: ["tunnel.opened", "tunnel.closed", "tunnel.refused"] },
  {
    label: "Access",
    kinds: ["resource", "group", "policy"].flatMap((k) => [`${k}.changed`, `${k}.deleted`]),
  },
  { label: "Enrollment tokens", prefix: "token.", kinds: ["token.created", "token.revoked"] },
  {
    label: "Refusals",
    kinds: ["enrollment.refused", "renewal.refused", "refusals.suppressed"],
  },
  {
    label: "Certificate authority",
    prefix: "ca.",
    kinds: ["ca.prepared", "ca.activated", "ca.retired", "ca.key_refused"],
  },
  { label: "API keys", prefix: "api_key.", kinds: ["api_key.created", "api_key.revoked"] },
];

/** Every value the filter offers (prefixes and exact kinds). */
export function knownKinds(): string[] {
  return EVENT_KIND_GROUPS.flatMap((g) => [...(g.prefix ? [g.prefix] : []), ...g.kinds]);
}

/** Whether `kind` is a value the filter offers. */
export function isKnownKind(kind: string): boolean {
  return knownKinds().includes(kind);
}
