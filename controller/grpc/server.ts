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
import { parseSpiffeId } from "../../shared/pki/spiffe_id.ts";
import { callerCertificateDer } from "./peer.ts";
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
import { withListenBacklog } from "./listen_backlog.ts";

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

/** Records a refusal of the interceptor like the handlers record theirs: log, metric, audit event. */
function recordRefusal(ctx: ControllerContext, refusal: InterceptorRefusal): void {
  const reason = refusal.code === status.UNAUTHENTICATED ? "no_cert" : "role";
  let role = "unknown";
  let agent: string | undefined;
  try {
    if (refusal.spiffeId) ({ role, id: agent } = parseSpiffeId(refusal.spiffeId));
  } catch { /* the message says what was wrong */ }
  if (refusal.method === EnrollmentService.renew.path) {
    ctx.metrics.inc("postern_renewals_total", { role, result: reason });
    ctx.log.warn("renewal refused", { role, agent, reason: refusal.message });
    ctx.events.append("renewal.refused", `renewal refused: ${refusal.message}`, {
      role,
      reason,
      ...(agent ? { agent } : {}),
    }).catch(() => {});
  } else {
    ctx.log.warn("call refused", { method: refusal.method, role, agent, reason: refusal.message });
  }
}

/** Builds the server with both services; its listener takes a deep accept queue (reconnect storms). */
export function createGrpcServer(ctx: ControllerContext): Server {
  const server = withListenBacklog(
    new Server({
      ...serverOptions(),
      interceptors: [roleInterceptor(METHOD_POLICIES, (refusal) => recordRefusal(ctx, refusal))],
    }),
  );
  server.addService(EnrollmentService, {
    enroll: unary<EnrollRequest, EnrollResponse>(
      ctx,
      async (call) => ({ svid: await enroll(ctx, call.request) }),
    ),
    renew: unary<RenewRequest, RenewResponse>(
      ctx,
      async (call) => ({ svid: await renew(ctx, callerCertificateDer(call), call.request) }),
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
          new Error(
            inUse
              ? `CONTROLLER_GRPC_ADDR ${host}:${addr.port}: listen tcp: bind: address already in use: stop the other process or choose another port`
              : `CONTROLLER_GRPC_ADDR ${host}:${addr.port}: ${err.message}`,
          ),
        );
      } else resolve(port);
    });
  });
}
