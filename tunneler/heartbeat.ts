/**
 * The tunneler's heartbeat session through its connector: TunnelerHeartbeat frames up (with the
 * fingerprints of the CAs this tunneler trusts) at the interval the HeartbeatAck sets. A connector
 * never changes what the tunneler trusts: any bundle in an ack is ignored; the connector's bundle
 * fingerprints are only a hint to renew early from the controller (see trust_policy.ts).
 * `tunneler not allowed` is reported as such and retried by the agent loop.
 * @module
 */
import type { Buffer } from "node:buffer";
import { decodeFrame, encodeFrame, FrameDecoder } from "../shared/dataplane/framing.ts";
import type { SessionContext } from "../shared/agent/agent_loop.ts";
import type { AgentCredentials } from "../shared/agent/credentials.ts";
import type { AgentState } from "../shared/agent/runtime.ts";
import { HeartbeatAck } from "../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { TunnelerHeartbeat } from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { decideTrust } from "../shared/agent/trust_policy.ts";
import { VERSION } from "../shared/version.ts";
import type { Logger } from "../shared/log/logger.ts";
import { FailureModeError } from "../shared/failure_modes/format.ts";
import { dialConnector, type DialOptions, TunnelRefusedError } from "./dialer.ts";

/** Options of {@link heartbeatSession}. */
export interface HeartbeatOptions {
  dial: () => DialOptions;
  creds: AgentCredentials;
  state: AgentState;
  log: Logger;
  id: string;
  totals: () => { active: number; bytesIn: number; bytesOut: number };
  /** Asks for an early renewal from the controller (rate-limited there); false when not granted. */
  renewSoon?: () => boolean;
}

/** One heartbeat session; resolves when the connector ends it, rejects on failure. */
export async function heartbeatSession(opts: HeartbeatOptions, ctx: SessionContext): Promise<void> {
  const d = opts.dial();
  let socket;
  try {
    ({ socket } = await dialConnector(d, { kind: { $case: "heartbeat", value: { version: VERSION } } }));
  } catch (e) {
    if (e instanceof TunnelRefusedError) {
      opts.state.disconnected(`refused: ${e.reason}`);
      if (e.refusal?.failureMode) {
        throw new FailureModeError(
          e.refusal.failureMode,
          `${e.reason}: connector ${d.host}:${d.port} refused this tunneler`,
        );
      }
      throw new Error(`connector ${d.host}:${d.port} refused this tunneler: ${e.reason}`);
    }
    opts.state.disconnected((e as Error).message);
    throw e;
  }
  opts.state.connected();
  opts.log.info("control-plane stream connected", {
    via_connector: `${d.host}:${d.port}`,
    connector: d.connectorId,
    attempt: ctx.attempt,
    failure_mode: "3.1",
  });
  return await new Promise<void>((resolve, reject) => {
    let interval = 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const beat = () => {
      const t = opts.totals();
      const hb = TunnelerHeartbeat.encode({
        tunnelerId: opts.id,
        version: VERSION,
        certNotAfterUnixMs: opts.creds.svid.notAfter.getTime(),
        bytesIn: t.bytesIn,
        bytesOut: t.bytesOut,
        activeConnections: t.active,
        trustedCaFingerprints: opts.creds.bundle.fingerprints(),
        goodbye: false,
      }).finish();
      socket.write(encodeFrame(hb));
      timer = setTimeout(beat, interval);
    };
    const finish = (err?: Error) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      socket.destroy();
      opts.state.disconnected(err?.message ?? "session ended");
      if (err) reject(err);
      else resolve();
    };
    // Stopping gracefully: a goodbye frame (the controller shows OFFLINE at once), then the end.
    const onAbort = () => {
      const bye = TunnelerHeartbeat.encode({
        ...TunnelerHeartbeat.fromPartial({}),
        tunnelerId: opts.id,
        goodbye: true,
      });
      const fallback = setTimeout(() => finish(), 1_000);
      socket.end(encodeFrame(bye.finish()), () => {
        clearTimeout(fallback);
        finish();
      });
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const decoder = new FrameDecoder();
    let first = true;
    socket.on("data", (chunk: Buffer) => {
      let acks: HeartbeatAck[];
      try {
        acks = decoder.feed(chunk).map((f) => decodeFrame(HeartbeatAck, f, "heartbeat ack"));
      } catch (e) {
        // This session ends (the agent loop reconnects); the process carries on.
        opts.log.warn("closing heartbeat session after a malformed frame", {
          via_connector: `${d.host}:${d.port}`,
          error: (e as Error).message,
        });
        return finish(e as Error);
      }
      for (const ack of acks) {
        ctx.received();
        if (ack.heartbeatIntervalMs > 0) interval = ack.heartbeatIntervalMs;
        const d = decideTrust({
          source: "heartbeat_ack",
          hint: ack.controllerBundleFingerprints,
          current: opts.creds.bundle,
        });
        if (d.action === "ignore" && d.renewSoon && opts.renewSoon?.()) {
          opts.log.info("the connector reports other CAs than this tunneler trusts; renewing early", {
            connector_fingerprints: ack.controllerBundleFingerprints.slice(0, 8).map((f) => f.slice(0, 64)),
            fingerprints: opts.creds.bundle.fingerprints(),
          });
        }
        if (first) {
          first = false;
          beat();
        }
      }
    });
    socket.on("error", (e: Error) => finish(e));
    socket.on("end", () => finish());
    socket.on("close", () => finish());
    socket.resume();
  });
}
