/**
 * The controller's gRPC server: Enrollment and ControlPlane over TLS from a SvidSource.
 * @module
 */
import { type sendUnaryData, Server, type ServerUnaryCall, status } from "@grpc/grpc-js";
import {
  type InterceptorRefusal,
  type MethodPolicy,
  roleInterceptor,
} from "../../shared/grpc/authorize_interceptor.ts";
import { callerCertificateDer } from "./peer.ts";
import { callerAddress } from "../../shared/grpc/caller_address.ts";
import { serverCredentials, serverOptions } from "../../shared/grpc/credentials.ts";
import type { SvidSource } from "../../shared/grpc/svid_source.ts";
import type { HostPort } from "../../shared/config/env.ts";
import { ControlPlaneService } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import {
  EnrollmentService,
  type EnrollRequest,
  type EnrollResponse,
  type RenewRequest,
  type RenewResponse,
} from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import type { ControllerContext } from "../context.ts";
import { connectHandler } from "./control_plane.ts";
import { enroll, renew } from "./enrollment.ts";
import { GrpcError, toServiceError } from "./errors.ts";
import { withListenBacklog } from "../../shared/repairs/mod.ts";
import { type GrpcHandshakeBounds, withHandshakeBounds } from "./handshake_bounds.ts";
import { capText } from "../untrusted.ts";
import { FailureModeError } from "../../shared/failure_modes/format.ts";

/**
 * The largest message the controller accepts from a caller. A real Enroll request is about 520
 * bytes (measured: a P-256 CSR in PEM is 330 characters, the token 63, an id at most 64); a
 * heartbeat is smaller. Larger messages are refused
 * by grpc-js with RESOURCE_EXHAUSTED before any handler, log line or metric sees them.
 */
export const MAX_RECEIVE_MESSAGE_BYTES = 64 * 1024;

function unary<Req, Res>(ctx: ControllerContext, fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    fn(call).then(
      (res) => callback(null, res),
      (e) => {
        if (!(e instanceof GrpcError)) ctx.log.error("rpc failed", { error: e });
        callback(toServiceError(e), null);
      },
    );
  };
}

/**
 * Who may call what, checked by the role interceptor before any handler runs (deny by default).
 * The handlers verify chain, trust domain, expiry and revocation themselves.
 */
export const METHOD_POLICIES: Readonly<Record<string, MethodPolicy>> = {
  [EnrollmentService.enroll.path]: { anyone: true },
  [EnrollmentService.renew.path]: {
    roles: ["connector", "tunneler"],
    missingCertificate:
      "client certificate required: renew with the current SVID (an agent that has none must enroll again with a new token)",
  },
  [ControlPlaneService.connect.path]: {
    roles: ["connector"],
    missingCertificate: "client certificate required",
  },
};

/**
 * Records a refusal of the interceptor like the handlers record theirs: log, metric, audit event.
 * The interceptor has not verified the certificate: the SPIFFE ID it carries is recorded as
 * `claimed_spiffe_id`, never as the event's agent, and its role is no metric label.
 */
function recordRefusal(ctx: ControllerContext, refusal: InterceptorRefusal): void {
  const reason = refusal.code === status.UNAUTHENTICATED ? "no_cert" : "role";
  const fields = {
    role: "unknown",
    reason,
    ...(refusal.spiffeId ? { claimed_spiffe_id: capText(refusal.spiffeId) } : {}),
  };
  const renewal = refusal.method === EnrollmentService.renew.path;
  if (renewal) ctx.metrics.inc("postern_renewals_total", { role: "unknown", result: reason });
  void ctx.refusals.record({
    source: refusal.source,
    kind: renewal ? "renewal.refused" : undefined,
    logMessage: renewal ? "renewal refused" : "call refused",
    reason: refusal.message,
    fields: renewal ? fields : { ...fields, method: capText(refusal.method, 128) },
    // No certificate: 2.1 (nothing to chain to a trusted CA); a certificate of another role: 2.3.
    failureMode: reason === "no_cert" ? "2.1" : "2.3",
  });
}

/**
 * Builds the server with both services; its listener takes a deep accept queue (reconnect storms)
 * and bounds unfinished TLS handshakes (`handshakes` overrides the defaults, tests).
 */
export function createGrpcServer(ctx: ControllerContext, handshakes?: Partial<GrpcHandshakeBounds>): Server {
  const server = withHandshakeBounds(
    withListenBacklog(
      new Server({
        ...serverOptions(),
        "grpc.max_receive_message_length": MAX_RECEIVE_MESSAGE_BYTES,
        interceptors: [roleInterceptor(METHOD_POLICIES, (refusal) => recordRefusal(ctx, refusal))],
      }),
    ),
    { log: ctx.log, metrics: ctx.metrics, bounds: handshakes },
  );
  server.addService(EnrollmentService, {
    enroll: unary<EnrollRequest, EnrollResponse>(
      ctx,
      async (call) => ({ svid: await enroll(ctx, call.request, callerAddress(call)) }),
    ),
    renew: unary<RenewRequest, RenewResponse>(
      ctx,
      async (call) => ({
        svid: await renew(ctx, callerCertificateDer(call), call.request, callerAddress(call)),
      }),
    ),
  });
  server.addService(ControlPlaneService, { connect: connectHandler(ctx) });
  return server;
}

/** Binds the server; returns the bound port. A port in use: `bind: address already in use`. */
export function bindGrpc(server: Server, addr: HostPort, source: SvidSource): Promise<number> {
  const host = addr.hostname === ""
    ? "0.0.0.0"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${addr.port}`, serverCredentials(source), (err, port) => {
      if (err) {
        const inUse = /EADDRINUSE|address already in use|No address added/i.test(err.message);
        reject(
          inUse
            ? new FailureModeError(
              "5.3",
              `bind: address already in use: CONTROLLER_GRPC_ADDR ${host}:${addr.port} is taken; stop the other process or choose another port`,
            )
            : new Error(`CONTROLLER_GRPC_ADDR ${host}:${addr.port}: ${err.message}`),
        );
      } else resolve(port);
    });
  });
}
