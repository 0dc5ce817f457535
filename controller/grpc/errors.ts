/**
 * gRPC errors with a status code, as grpc-js sends them.
 * @module
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { RefusalReason } from "../../shared/pki/refusal.ts";

/** An RPC refusal: `code` is the gRPC status, `message` goes to the caller as details. */
export class GrpcError extends Error {
  override name = "GrpcError";
  readonly code: status;
  constructor(code: status, message: string) {
    super(message);
    this.code = code;
  }
}

/** Converts any error to what grpc-js sends; unexpected errors are INTERNAL without internals. */
export function toServiceError(e: unknown): Partial<ServiceError> {
  if (e instanceof GrpcError) return { code: e.code, details: e.message, metadata: new Metadata() };
  return { code: status.INTERNAL, details: "internal error", metadata: new Metadata() };
}

/**
 * The gRPC status of a refused caller certificate: PERMISSION_DENIED for a verified peer that is
 * not allowed (wrong trust domain, role, id, allowlist), UNAUTHENTICATED when its identity cannot
 * be established, FAILED_PRECONDITION when it has expired (renew too late: enroll again).
 */
export function refusalStatus(reason: RefusalReason): status {
  switch (reason) {
    case "trust_domain_mismatch":
    case "unexpected_role":
    case "unexpected_id":
    case "not_allowed":
      return status.PERMISSION_DENIED;
    case "expired":
      return status.FAILED_PRECONDITION;
    default:
      return status.UNAUTHENTICATED;
  }
}
