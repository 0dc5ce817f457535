/**
 * How the admin API shows an agent: its record merged with live presence. A listing reuses each
 * agent's JSON while nothing it shows has changed, so listing 10,000 agents formats only those
 * whose heartbeat, status or record changed since the previous listing.
 * @module
 */
import type { Presence } from "../presence.ts";
import type { AgentRecord } from "../registry/types.ts";
import { rfc3339 } from "./http.ts";

type View = ReturnType<Presence["view"]>;

/** One agent as `GET /api/admin/{connectors,tunnelers}[/<id>]` shows it. */
export function agentView(
  presence: Presence,
  r: AgentRecord,
  v: View = presence.view(r),
  certExpiresAt: string | null = rfc3339(r.certExpiresAt),
) {
  const base = { id: r.id, spiffe_id: r.spiffeId };
  const common = {
    status: v.status,
    last_seen: rfc3339(v.lastSeen),
    cert_expires_at: certExpiresAt,
    trusted_ca_fingerprints: v.live.trustedCaFingerprints ?? [],
    // As the agent last reported them to this controller; null: no report here yet.
    active_sessions: v.live.activeSessions ?? null,
    bytes_in: v.live.bytesIn ?? null,
    bytes_out: v.live.bytesOut ?? null,
  };
  if (r.role === "connector") {
    return { ...base, private_ip: r.privateIp, version: v.live.version ?? r.version, ...common };
  }
  return { ...base, connector_id: v.live.connectorId ?? (r.connectorId || null), ...common };
}

/** What an agent's JSON was rendered from, besides its record (records are replaced, never changed). */
interface Rendered {
  status: string;
  /** last_seen to the second: the precision it is shown with. */
  lastSeenS: number | undefined;
  fingerprints: readonly string[] | undefined;
  activeSessions: number | undefined;
  bytesIn: number | undefined;
  bytesOut: number | undefined;
  version: string | undefined;
  connectorId: string | undefined;
  /** The record's cert_expires_at, formatted. */
  certExpiresAt: string | null;
  json: string;
}

const rendered = new WeakMap<AgentRecord, Rendered>();

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));

/** The JSON of one agent, from the previous rendering when nothing it shows has changed. */
function agentJson(presence: Presence, r: AgentRecord): string {
  const v = presence.view(r);
  const l = v.live;
  const lastSeenS = v.lastSeen === undefined ? undefined : Math.floor(v.lastSeen / 1000);
  const was = rendered.get(r);
  if (
    was && was.status === v.status && was.lastSeenS === lastSeenS &&
    was.activeSessions === l.activeSessions &&
    was.bytesIn === l.bytesIn && was.bytesOut === l.bytesOut && was.version === l.version &&
    was.connectorId === l.connectorId && sameList(was.fingerprints, l.trustedCaFingerprints)
  ) return was.json;
  const certExpiresAt = was ? was.certExpiresAt : rfc3339(r.certExpiresAt);
  const json = JSON.stringify(agentView(presence, r, v, certExpiresAt));
  rendered.set(r, {
    status: v.status,
    lastSeenS,
    fingerprints: l.trustedCaFingerprints ? [...l.trustedCaFingerprints] : undefined,
    activeSessions: l.activeSessions,
    bytesIn: l.bytesIn,
    bytesOut: l.bytesOut,
    version: l.version,
    connectorId: l.connectorId,
    certExpiresAt,
    json,
  });
  return json;
}

/** The JSON array of `records` as the listing shows them: the same text as `JSON.stringify` of their views. */
export function agentListJson(presence: Presence, records: readonly AgentRecord[]): string {
  const parts = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) parts[i] = agentJson(presence, records[i]!);
  return `[${parts.join(",")}]`;
}
