/**
 * The connector's control-plane stream (ControlPlane.Connect): AgentConfig, TrustBundle and
 * RevokedCertificates down, Heartbeat and relayed TunnelerHeartbeat up; a Revocation stops the agent.
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  type AgentMessage,
  type ControllerMessage,
  ControlPlaneService,
  type TunnelerHeartbeat,
} from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { channelCredentials, channelOptions } from "../shared/grpc/credentials.ts";
import { failureModeOfCall } from "../shared/grpc/failure_mode.ts";
import { FailureModeError } from "../shared/failure_modes/format.ts";
import type { PeerVerificationError } from "../shared/pki/refusal.ts";
import { NonRetryableError, type SessionContext } from "../shared/agent/agent_loop.ts";
import { describeGrpcError } from "../shared/grpc/tls_errors.ts";
import type { AgentCredentials } from "../shared/agent/credentials.ts";
import type { AgentState } from "../shared/agent/runtime.ts";
import { TrustBundle } from "../shared/pki/bundle.ts";
import { decideTrust } from "../shared/agent/trust_policy.ts";
import { VERSION } from "../shared/version.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { ConnectorPolicy } from "./policy.ts";
import type { AuditQueue } from "./audit.ts";

/** The ControlPlane client class. */
export const ControlPlaneClient = grpc.makeGenericClientConstructor(
  ControlPlaneService,
  "postern.v1.ControlPlane",
);

/** Options of {@link ControlPlane}. */
export interface ControlPlaneOptions {
  controllerAddr: string;
  trustDomain: string;
  creds: AgentCredentials;
  /** Written from AgentConfig and RevokedCertificates; the listener reads it. */
  policy: ConnectorPolicy;
  /** The tunnel counts reported in each heartbeat. */
  stats: () => TunnelStats;
  state: AgentState;
  log: Logger;
  privateIp: string;
  /** Tunnel events to send in batches while the stream is up. */
  audit?: AuditQueue;
  /** Asks for an early renewal (granted at most once a minute); called when the controller refuses an expired certificate. */
  renewSoon?: () => boolean;
}

/** What the connector carried, as its heartbeat reports it. */
export interface TunnelStats {
  sessions: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Each session is one Connect stream on a channel of its own: a grpc-js channel keeps the client
 * certificate of its first handshake across reconnections, so one that outlived a renewal would
 * present an expired certificate forever (failure mode 4.1 after the controller was down past expiry).
 */
export class ControlPlane {
  #client: grpc.Client | undefined;
  #relay: ((hb: TunnelerHeartbeat) => void) | undefined;
  /** The last typed refusal of the controller's identity (names 2.1 / 2.3 of a failed stream). */
  #refused: PeerVerificationError | undefined;

  constructor(private readonly opts: ControlPlaneOptions) {}

  /** A fresh channel with the credentials in force now; the previous one is closed. */
  #newClient(): grpc.Client {
    this.#client?.close();
    this.#client = new ControlPlaneClient(
      this.opts.controllerAddr,
      channelCredentials(this.opts.creds.source, {
        trustDomain: this.opts.trustDomain,
        onRefusal: (r) => this.#refused = r,
      }),
      channelOptions(),
    );
    return this.#client;
  }

  /** Relays a tunneler heartbeat on the current stream (dropped while disconnected). */
  relay(hb: TunnelerHeartbeat): void {
    this.#relay?.(hb);
  }

  /** Closes the channel. */
  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  /** One Connect stream; resolves when the controller ends it, rejects on failure. */
  session(ctx: SessionContext): Promise<void> {
    const { log, state, policy, creds } = this.opts;
    this.#refused = undefined; // a refusal of an earlier attempt says nothing about this one
    return new Promise((resolve, reject) => {
      // deno-lint-ignore no-explicit-any
      const call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage> = (this.#newClient() as any)
        .connect();
      let connected = false;
      let timer: ReturnType<typeof setInterval> | undefined;
      let auditTimer: ReturnType<typeof setInterval> | undefined;
      const flushAudit = () => {
        for (let batch = this.opts.audit?.take(); batch; batch = this.opts.audit?.take()) {
          send({ body: { $case: "tunnelEvents", value: batch } });
        }
      };
      const send = (m: AgentMessage) => {
        if (!call.writableEnded) call.write(m);
      };
      const heartbeat = (goodbye = false) => {
        const s = this.opts.stats();
        send({
          body: {
            $case: "heartbeat",
            value: {
              version: VERSION,
              privateIp: this.opts.privateIp,
              certNotAfterUnixMs: creds.svid.notAfter.getTime(),
              bytesIn: s.bytesIn,
              bytesOut: s.bytesOut,
              activeSessions: s.sessions,
              trustedCaFingerprints: creds.bundle.fingerprints(),
              goodbye,
            },
          },
        });
      };
      const schedule = () => {
        clearInterval(timer);
        timer = setInterval(() => heartbeat(), policy.heartbeatIntervalMs);
      };
      const finish = (err?: Error) => {
        clearInterval(timer);
        clearInterval(auditTimer);
        this.#relay = undefined;
        ctx.signal.removeEventListener("abort", onAbort);
        if (connected) state.disconnected(err?.message ?? "stream ended");
        call.cancel();
        if (err) reject(err);
        else resolve();
      };
      // Stopping gracefully: a goodbye heartbeat (the controller shows OFFLINE at once), then the end.
      const onAbort = () => {
        if (!connected || call.writableEnded) return finish();
        const fallback = setTimeout(() => finish(), 1_000);
        call.once("status", () => {
          clearTimeout(fallback);
          finish();
        });
        heartbeat(true);
        call.end();
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      call.on("data", (msg: ControllerMessage) => {
        ctx.received();
        if (!connected) {
          connected = true;
          state.connected();
          log.info("control-plane stream connected", {
            controller: this.opts.controllerAddr,
            attempt: ctx.attempt,
            failure_mode: "3.1",
          });
          this.#relay = (hb) => send({ body: { $case: "tunnelerHeartbeat", value: hb } });
          heartbeat();
          flushAudit();
          auditTimer = setInterval(flushAudit, 250);
        }
        const body = msg.body;
        if (body?.$case === "config") {
          const c = body.value;
          policy.apply(c);
          schedule();
          log.info("configuration applied", {
            allowed_tunnelers: c.allowedTunnelers.length,
            resources: c.resources.length,
            granted_tunnelers: new Set(c.grants.flatMap((g) => g.tunnelerIds)).size,
            heartbeat_interval_ms: policy.heartbeatIntervalMs,
          });
        } else if (body?.$case === "trustBundle") {
          // From the controller, on a stream authenticated as the controller: see trust_policy.ts.
          try {
            const bundle = TrustBundle.fromPem(body.value.caPem.join("\n"));
            const d = decideTrust({ source: "control_stream", bundle, current: creds.bundle });
            if (d.action === "replace" && d.changed) creds.update({ bundle: d.bundle });
            else if (d.action === "refuse") {
              log.error("ignoring the controller's trust bundle", { reason: d.reason });
            }
          } catch (e) {
            log.error("ignoring an unusable trust bundle", { error: (e as Error).message });
          }
        } else if (body?.$case === "revokedCertificates") {
          policy.revoke(body.value.certificates);
        } else if (body?.$case === "revocation") {
          finish(
            new NonRetryableError(
              `identity revoked: ${body.value.spiffeId} (${
                body.value.reason || "revoked by the operator"
              }); enroll again with a new token`,
            ),
          );
        }
      });
      call.on("error", (err: grpc.ServiceError) => {
        if (err.code === grpc.status.CANCELLED && ctx.signal.aborted) return finish();
        const msg = describeGrpcError(err);
        // Refused for a certificate that expired (the controller was away): the renewal loop
        // renews it within RENEW_GRACE (or ends the agent beyond it), so this stream retries.
        const expired = creds.svid.notAfter.getTime() <= Date.now();
        if (err.code === grpc.status.UNAUTHENTICATED && expired) {
          this.opts.renewSoon?.(); // the controller answers again: renew now, not after the backoff
          return finish(
            new FailureModeError(
              "4.1",
              `control plane refused the expired certificate (it expired at ${creds.svid.notAfter.toISOString()}); reconnecting after its renewal: ${msg}`,
            ),
          );
        }
        if (err.code === grpc.status.PERMISSION_DENIED || err.code === grpc.status.UNAUTHENTICATED) {
          return finish(
            new NonRetryableError(
              `control plane refused this connector (${creds.svid.spiffeId.uri}): ${msg}`,
            ),
          );
        }
        const id = failureModeOfCall(err, this.#refused);
        const text = id && this.#refused?.failureMode === id ? this.#refused.message : msg;
        finish(id ? new FailureModeError(id, `${text} (control-plane stream)`) : new Error(msg));
      });
      call.on("end", () => finish());
    });
  }
}
