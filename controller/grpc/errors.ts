/**
 * gRPC errors with a status code, as grpc-js sends them.
 * @module
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";

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
