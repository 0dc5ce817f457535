/**
 * The tunneler's heartbeat session through its connector: TunnelerHeartbeat frames up at the
 * interval the HeartbeatAck sets; each ack also carries the trust bundle (CA rotation).
 * `tunneler not allowed` is reported as such and retried by the agent loop.
 * @module
 */
import type { Buffer } from "node:buffer";
import { decodeFrame, encodeFrame, FrameDecoder } from "../shared/agent/framing.ts";
import type { SessionContext } from "../shared/agent/agent_loop.ts";
import type { AgentCredentials } from "../shared/agent/credentials.ts";
import type { AgentState } from "../shared/agent/runtime.ts";
import { HeartbeatAck } from "../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { TunnelerHeartbeat } from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { TrustBundle } from "../shared/pki/bundle.ts";
import { VERSION } from "../shared/version.ts";
import type { Logger } from "../shared/log/logger.ts";
import { dialConnector, type DialOptions, TunnelRefusedError } from "./dialer.ts";

/** Options of {@link heartbeatSession}. */
export interface HeartbeatOptions {
  dial: () => DialOptions;
  creds: AgentCredentials;
  state: AgentState;
  log: Logger;
  id: string;
  totals: () => { active: number; bytesIn: number; bytesOut: number };
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
      throw new Error(`connector ${d.host}:${d.port} refused this tunneler: ${e.reason}`);
    }
    opts.state.disconnected((e as Error).message);
    throw e;
  }
  opts.state.connected();
  opts.log.info("control-plane stream connected", {
    via_connector: `${d.host}:${d.port}`,
    attempt: ctx.attempt,
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
    const onAbort = () => finish();
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
        if (ack.trustBundlePem.length > 0) {
          try {
            const bundle = TrustBundle.fromPem(ack.trustBundlePem.join("\n"));
            if (bundle.fingerprints().join() !== opts.creds.bundle.fingerprints().join()) {
              opts.creds.update({ bundle });
              opts.log.info("trust bundle updated", { fingerprints: bundle.fingerprints() });
            }
          } catch (e) {
            opts.log.warn("ignoring an unusable trust bundle", { error: (e as Error).message });
          }
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
