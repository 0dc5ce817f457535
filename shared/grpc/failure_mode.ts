/**
 * The failure-mode id of a gRPC refusal travels as trailing metadata (`postern-failure-mode`), so
 * that an agent names the id of the controller's refusal (1.2, 4.2) from data, not from its text.
 * @module
 */
import type { Metadata } from "@grpc/grpc-js";
import { type FailureModeId, isFailureModeId } from "../failure_modes/catalogue.ts";
import type { PeerVerificationError } from "../pki/refusal.ts";
import { tlsRefusal } from "./tls_errors.ts";

/** The metadata key. */
export const FAILURE_MODE_METADATA = "postern-failure-mode";

/** The catalogue id a gRPC error's metadata names, or undefined (absent, or not a known id). */
export function failureModeOfGrpcError(err: unknown): FailureModeId | undefined {
  const metadata = (err as { metadata?: Metadata } | undefined)?.metadata;
  const value = typeof metadata?.get === "function" ? metadata.get(FAILURE_MODE_METADATA)[0] : undefined;
  return isFailureModeId(value) ? value : undefined;
}

/**
 * The failure mode of a failed client call: the server's metadata, else the typed refusal of the
 * server's identity that the credentials reported (`refused`, e.g. 2.3), else the runtime's TLS
 * refusal (2.1).
 */
export function failureModeOfCall(
  err: unknown,
  refused: PeerVerificationError | undefined,
): FailureModeId | undefined {
  const e = err as { details?: string; message?: string } | undefined;
  const details = e?.details ?? e?.message ?? String(err);
  return failureModeOfGrpcError(err) ?? refused?.failureMode ?? tlsRefusal(details)?.failureMode;
}
