/**
 * ControlPlane.Connect: one authenticated stream per connector. Heartbeats update live state in
 * memory only; configuration, trust bundles and revocations flow down.
 * @module
 */
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import { callerCertificateDer } from "./peer.ts";
import type { AgentMessage, ControllerMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import type { ControllerContext } from "../context.ts";
import { callerAddress } from "../../shared/grpc/caller_address.ts";
import { AGENT_REFUSAL_FAILURE_MODES, authenticateAgent, refusalStatus } from "./authenticate_agent.ts";
import { claimedSpiffeId, REVOKED } from "./enrollment.ts";
import { GrpcError, toServiceError } from "./errors.ts";
import type { StreamHandle } from "./hub.ts";
import { recordTunnelEvents } from "./tunnel_events.ts";

/** Authenticates a Connect caller: a live connector SVID of an enrolled, non-revoked connector. */
async function authenticateConnector(
  ctx: ControllerContext,
  peerDer: Uint8Array | undefined,
): Promise<{ id: string; spiffeId: string }> {
  const auth = await authenticateAgent(ctx, peerDer, { roles: ["connector"] });
  if (auth.ok) return { id: auth.agent.id, spiffeId: auth.agent.spiffeId };
  const r = auth.refusal;
  throw new GrpcError(
    refusalStatus(r.reason),
    r.reason === "revoked" ? REVOKED : r.detail,
    AGENT_REFUSAL_FAILURE_MODES[r.reason],
  );
}

/** The grpc-js handler of Connect. */
export function connectHandler(ctx: ControllerContext) {
  return (call: ServerDuplexStream<AgentMessage, ControllerMessage>): void => {
    void serveStream(ctx, call);
  };
}

async function serveStream(
  ctx: ControllerContext,
  call: ServerDuplexStream<AgentMessage, ControllerMessage>,
) {
  let who: { id: string; spiffeId: string };
  try {
    // Draining: streams were just ended; a connector that reconnects at once must wait for the
    // next controller instead of opening a stream that the shutdown cuts again.
    if (!ctx.grpcServing()) throw new GrpcError(status.UNAVAILABLE, "controller is shutting down");
    who = await authenticateConnector(ctx, callerCertificateDer(call));
  } catch (e) {
    const der = callerCertificateDer(call);
    const claimed = der ? claimedSpiffeId(der) : undefined;
    void ctx.refusals.record({
      source: callerAddress(call),
      kind: undefined,
      logMessage: "control-plane stream refused",
      reason: (e as Error).message,
      fields: claimed ? { claimed_spiffe_id: claimed } : {},
      ...(e instanceof GrpcError && e.failureMode ? { failureMode: e.failureMode } : {}),
    });
    call.emit("error", toServiceError(e));
    return;
  }
  let ended = false;
  const handle: StreamHandle = {
    connectorId: who.id,
    allowed: new Set(),
    send: (msg) => {
      if (!ended && !call.writableEnded) call.write(msg);
    },
    end: () => {
      if (ended) return;
      ended = true;
      if (!call.writableEnded) call.end();
    },
  };
  const remove = ctx.hub.add(handle);
  const log = ctx.log.with({ agent: who.id });
  // 3.1 is informational: each (re)connection is logged once with the field, never bracketed.
  log.info("control-plane stream connected", { spiffe_id: who.spiffeId, failure_mode: "3.1" });
  const tunnelerOk = new Map<string, number>();
  const close = () => {
    if (ended && !call.writableEnded) call.end();
    ended = true;
    remove();
  };
  call.on("data", (msg: AgentMessage) => {
    const body = msg.body;
    if (!body) return;
    ctx.metrics.inc("postern_heartbeats_total");
    if (body.$case === "heartbeat") {
      const hb = body.value;
      if (hb.goodbye) return ctx.presence.left("connector", who.id);
      ctx.presence.seen("connector", who.id, {
        version: hb.version.slice(0, 64),
        privateIp: hb.privateIp.slice(0, 64),
        certExpiresAt: hb.certNotAfterUnixMs,
        trustedCaFingerprints: fingerprintsOf(hb.trustedCaFingerprints),
        ...trafficOf(hb.activeSessions, hb.bytesIn, hb.bytesOut),
      });
    } else if (body.$case === "tunnelerHeartbeat") {
      const hb = body.value;
      void acceptTunnelerHeartbeat(ctx, handle, tunnelerOk, hb.tunnelerId).then((ok) => {
        if (!ok) {
          log.debug("tunneler heartbeat ignored", { tunneler: hb.tunnelerId.slice(0, 64) });
          return;
        }
        if (hb.goodbye) return ctx.presence.left("tunneler", hb.tunnelerId);
        ctx.presence.seen("tunneler", hb.tunnelerId, {
          version: hb.version.slice(0, 64),
          certExpiresAt: hb.certNotAfterUnixMs,
          connectorId: who.id,
          // As the connector relayed them: a lying connector can at most make activation premature.
          trustedCaFingerprints: fingerprintsOf(hb.trustedCaFingerprints),
          ...trafficOf(hb.activeConnections, hb.bytesIn, hb.bytesOut),
        });
      });
    } else if (body.$case === "tunnelEvents") {
      void recordTunnelEvents(ctx, who.id, body.value).catch((e) =>
        log.warn("cannot record tunnel events", { error: (e as Error).message })
      );
    }
  });
  call.on("end", () => {
    log.info("control-plane stream ended");
    handle.end();
    close();
  });
  call.on("error", () => close());
  call.on("cancelled", () => close());
  try {
    // The first configuration comes after the full list of revoked certificates (see sendConfig).
    await ctx.hub.sendConfig(handle);
    handle.send({ body: { $case: "trustBundle", value: { caPem: ctx.ca.bundle.pems() } } });
  } catch (e) {
    log.error("cannot send configuration", { error: e });
  }
}

/** The first 16 well-formed SHA-256 fingerprints a peer reported (lower-case hex), the rest dropped. */
export function fingerprintsOf(reported: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of reported.slice(0, 64)) {
    const fp = f.toLowerCase();
    if (/^[0-9a-f]{64}$/.test(fp)) out.add(fp);
    if (out.size === 16) break;
  }
  return [...out];
}

/** A count a peer reported, kept when it is a non-negative safe integer (anything else: not reported). */
function countOf(n: unknown): number | undefined {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The traffic figures of a heartbeat, as the agent reported them (only well-formed counts). */
export function trafficOf(
  sessions: unknown,
  bytesIn: unknown,
  bytesOut: unknown,
): { activeSessions?: number; bytesIn?: number; bytesOut?: number } {
  const out: { activeSessions?: number; bytesIn?: number; bytesOut?: number } = {};
  const s = countOf(sessions), i = countOf(bytesIn), o = countOf(bytesOut);
  if (s !== undefined) out.activeSessions = s;
  if (i !== undefined) out.bytesIn = i;
  if (o !== undefined) out.bytesOut = o;
  return out;
}

/** Caches for a minute that a tunneler id is enrolled and not revoked; checks the allowlist each time. */
async function acceptTunnelerHeartbeat(
  ctx: ControllerContext,
  handle: StreamHandle,
  cache: Map<string, number>,
  tunnelerId: string,
): Promise<boolean> {
  if (!handle.allowed.has(tunnelerId)) return false;
  const checkedAt = cache.get(tunnelerId);
  if (checkedAt !== undefined && Date.now() - checkedAt < 60_000) return true;
  const ok = await ctx.agents.isEnrolled("tunneler", tunnelerId);
  if (ok) cache.set(tunnelerId, Date.now());
  else cache.delete(tunnelerId);
  return ok;
}
