/**
 * gRPC errors with a status code, as grpc-js sends them.
 * @module
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { RefusalReason } from "../../shared/pki/refusal.ts";
import type { FailureModeId } from "../../shared/failure_modes/catalogue.ts";
import { FAILURE_MODE_METADATA } from "../../shared/grpc/failure_mode.ts";
import { StoreUnavailableError } from "../store/store.ts";

/** An RPC refusal: `code` is the gRPC status, `message` goes to the caller as details. */
export class GrpcError extends Error {
  override name = "GrpcError";
  readonly code: status;
  /** The failure mode of the refusal (sent as `postern-failure-mode` metadata), e.g. `"4.2"`. */
  readonly failureMode: FailureModeId | undefined;
  constructor(code: status, message: string, failureMode?: FailureModeId) {
    super(message);
    this.code = code;
    this.failureMode = failureMode;
  }
}

/** Converts any error to what grpc-js sends; unexpected errors are INTERNAL without internals. */
export function toServiceError(e: unknown): Partial<ServiceError> {
  if (e instanceof GrpcError) {
    const metadata = new Metadata();
    if (e.failureMode) metadata.set(FAILURE_MODE_METADATA, e.failureMode);
    return { code: e.code, details: e.message, metadata };
  }
  // The store cannot take writes (etcd without quorum, NOSPACE): say so; the agent retries.
  if (e instanceof StoreUnavailableError) {
    return { code: status.UNAVAILABLE, details: e.message, metadata: new Metadata() };
  }
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
