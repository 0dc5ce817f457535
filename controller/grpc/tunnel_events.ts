/**
 * The controller's side of the connection audit: a connector's TunnelEvents batch becomes flow
 * events (`tunnel.opened`, `tunnel.closed`, `tunnel.refused`). Every field comes from the
 * connector and is hostile until checked: kinds outside the three are dropped, ids outside the id
 * charset are left out, texts are capped, the connector is the authenticated caller.
 * @module
 */
import type { TunnelEvents } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import type { ControllerContext } from "../context.ts";
import { capText } from "../untrusted.ts";

const KINDS = new Set(["tunnel.opened", "tunnel.closed", "tunnel.refused"]);
const REASONS = new Set(["not_allowed", "no_grant", "resource_refused", "dial_failed"]);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Events taken from one batch (the connector sends at most 50). */
const MAX_BATCH = 500;

const id = (s: string): string | undefined => ID.test(s) && !s.includes("..") ? s : undefined;
const count = (n: number): number => Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;

/** Records a batch of tunnel events sent by `connectorId`. */
export async function recordTunnelEvents(
  ctx: ControllerContext,
  connectorId: string,
  batch: TunnelEvents,
): Promise<void> {
  if (batch.dropped > 0) {
    ctx.log.warn("connector dropped tunnel events while the controller was unreachable", {
      agent: connectorId,
      dropped: count(batch.dropped),
    });
    await ctx.events.append(
      "connector.tunnel_events_dropped",
      `connector "${connectorId}" dropped ${count(batch.dropped)} tunnel events`,
      { agent: connectorId, role: "connector", dropped: count(batch.dropped) },
    );
  }
  for (const e of batch.events.slice(0, MAX_BATCH)) {
    if (!KINDS.has(e.kind)) continue;
    const tunneler = id(e.tunnelerId);
    const resource = id(e.resource);
    const destination = capText(e.destination, 300);
    const to = resource ? `"${resource}"` : destination ? `"${destination}"` : "the connector";
    const what = e.kind.slice("tunnel.".length);
    await ctx.events.append(
      e.kind,
      `tunnel of ${tunneler ? `"${tunneler}"` : "an unknown tunneler"} to ${to} ${what}`,
      {
        ...(tunneler ? { agent: tunneler, role: "tunneler", tunneler } : {}),
        connector: connectorId,
        ...(resource ? { resource } : {}),
        destination,
        ...(e.kind === "tunnel.closed"
          ? { bytes_in: count(e.bytesIn), bytes_out: count(e.bytesOut), duration_ms: count(e.durationMs) }
          : {}),
        ...(e.kind === "tunnel.refused"
          ? { reason: REASONS.has(e.reason) ? e.reason : "not_allowed", error: capText(e.error, 300) }
          : {}),
        at: new Date(count(e.atUnixMs)).toISOString(),
      },
    );
  }
}
