/**
 * ControlPlane.Connect: one authenticated stream per connector. Heartbeats update live state in
 * memory only; configuration, trust bundles and revocations flow down.
 * @module
 */
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import { callerCertificateDer } from "./peer.ts";
import { PeerVerificationError, verifySvid } from "../../shared/pki/verify.ts";
import { authorizeRole } from "../../shared/pki/authorize.ts";
import type { AgentMessage, ControllerMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import type { ControllerContext } from "../context.ts";
import { REVOKED } from "./enrollment.ts";
import { GrpcError, refusalStatus, toServiceError } from "./errors.ts";
import type { StreamHandle } from "./hub.ts";

/** Authenticates a Connect caller: a current connector SVID of an enrolled, non-revoked connector. */
export async function authenticateConnector(
  ctx: ControllerContext,
  peerDer: Uint8Array | undefined,
): Promise<{ id: string; spiffeId: string }> {
  if (!peerDer) throw new GrpcError(status.UNAUTHENTICATED, "client certificate required");
  let peer;
  try {
    peer = await verifySvid(peerDer, ctx.ca.bundle, {
      trustDomain: ctx.settings.trustDomain,
      authorize: authorizeRole("connector"),
    });
  } catch (e) {
    if (!(e instanceof PeerVerificationError)) throw e;
    // An expired connector certificate is a failed authentication here (no grace on streams).
    const code = e.reason === "expired" ? status.UNAUTHENTICATED : refusalStatus(e.reason);
    throw new GrpcError(code, e.message);
  }
  const record = await ctx.agents.get("connector", peer.spiffeId.id);
  const serial = peer.certificate.serialNumber.toLowerCase();
  if (!record || record.revokedAt !== undefined || !record.serials.includes(serial)) {
    throw new GrpcError(status.PERMISSION_DENIED, REVOKED);
  }
  return { id: peer.spiffeId.id, spiffeId: peer.spiffeId.uri };
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
    ctx.log.warn("control-plane stream refused", { reason: (e as Error).message });
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
  log.info("control-plane stream connected", { spiffe_id: who.spiffeId });
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
      ctx.presence.seen("connector", who.id, {
        version: hb.version.slice(0, 64),
        privateIp: hb.privateIp.slice(0, 64),
        certExpiresAt: hb.certNotAfterUnixMs,
      });
    } else if (body.$case === "tunnelerHeartbeat") {
      const hb = body.value;
      void acceptTunnelerHeartbeat(ctx, handle, tunnelerOk, hb.tunnelerId).then((ok) => {
        if (!ok) {
          log.debug("tunneler heartbeat ignored", { tunneler: hb.tunnelerId.slice(0, 64) });
          return;
        }
        ctx.presence.seen("tunneler", hb.tunnelerId, {
          version: hb.version.slice(0, 64),
          certExpiresAt: hb.certNotAfterUnixMs,
          connectorId: who.id,
        });
      });
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
    await ctx.hub.sendConfig(handle);
    handle.send({ body: { $case: "trustBundle", value: { caPem: ctx.ca.bundle.pems() } } });
  } catch (e) {
    log.error("cannot send configuration", { error: e });
  }
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
