/**
 * How the admin API shows an agent: its record merged with live presence. A listing reuses each
 * agent's JSON while nothing it shows has changed, so listing 10,000 agents formats only those
 * whose heartbeat, status or record changed since the previous listing; one that still takes long
 * (10,000 agents just after they connected: about 150 ms on 2 busy cores) gives the event loop a
 * turn every {@link LIST_SLICE_MS}, so that heartbeats, pushes and other calls are not held up.
 * @module
 */
import type { Presence } from "../presence.ts";
import type { AgentRecord } from "../registry/types.ts";
import { rfc3339 } from "./http.ts";
import { sameItems } from "../../shared/same_items.ts";

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
  a === b || (a !== undefined && b !== undefined && sameItems(a, b));

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

/**
 * How long a listing renders at a stretch before it gives the event loop a turn, ms: well under the
 * 200 ms a pause may last, and few turns per listing (each waits for the work queued meanwhile: with
 * 20 ms slices, GET of 10,000 agents took 135 ms at p50 on busy cores instead of 40-70).
 */
export const LIST_SLICE_MS = 50;

/** Options of {@link agentListJson}. */
export interface AgentListOptions {
  /** Render at most this long at a stretch, ms (default {@link LIST_SLICE_MS}). */
  sliceMs?: number;
  /** The clock the slices are measured with (default `performance.now`). */
  now?: () => number;
}

/** Resolves after the event loop's next turn: due timers and I/O run meanwhile (a microtask would not). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The JSON array of `records` as the listing shows them: the same text as `JSON.stringify` of
 * their views. Renders in slices of `sliceMs` with a turn of the event loop between them; each
 * agent shows as it was when its slice ran (a heartbeat between two slices shows in the later).
 */
export async function agentListJson(
  presence: Presence,
  records: readonly AgentRecord[],
  options: AgentListOptions = {},
): Promise<string> {
  const sliceMs = options.sliceMs ?? LIST_SLICE_MS;
  const now = options.now ?? (() => performance.now());
  const parts = new Array<string>(records.length);
  let sliceStart = now();
  for (let i = 0; i < records.length; i++) {
    parts[i] = agentJson(presence, records[i]!);
    // The clock is read every 64 agents: reading it costs more than rendering a reused agent.
    if ((i & 63) === 63 && i + 1 < records.length && now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = now();
    }
  }
  return `[${parts.join(",")}]`;
}
