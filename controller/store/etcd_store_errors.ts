/**
 * What the etcd backend throws when etcd cannot take a request: the etcd3 client's typed gRPC
 * errors become {@link StoreUnavailableError} with a message that says what is wrong (no quorum or
 * unreachable, out of space) and what to do. Errors are told apart by their class and gRPC code,
 * never by their text.
 * @module
 */
import {
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
  GRPCUnknownError,
} from "etcd3";
import { StoreUnavailableError } from "./store.ts";

/** Why etcd refused: `quorum` (no leader, unreachable, timed out) or `nospace` (quota alarm). */
export type EtcdOutage = "quorum" | "nospace";

/** The outage an error of the etcd3 client stands for, or null for any other error. */
export function outageOf(error: unknown): EtcdOutage | null {
  if (error instanceof GRPCResourceExhastedError) return "nospace";
  if (
    error instanceof GRPCUnavailableError || error instanceof GRPCDeadlineExceededError ||
    error instanceof GRPCCancelledError || error instanceof GRPCInternalError ||
    error instanceof GRPCUnknownError ||
    error instanceof StoreDeadlineError
  ) return "quorum";
  return null;
}

/** A request that did not finish within the store's deadline (raised by the store's own timer). */
export class StoreDeadlineError extends Error {
  override name = "StoreDeadlineError";
}

/** The message of an outage, naming the endpoints and the remedy. */
export function outageMessage(outage: EtcdOutage, endpoints: readonly string[], cause: unknown): string {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const where = endpoints.join(",");
  return outage === "nospace"
    ? `etcd is out of space (NOSPACE alarm) at "${where}": compact and defragment etcd, then etcdctl alarm disarm (${detail})`
    : `etcd has no quorum or is unreachable at "${where}": the state store refuses writes until a majority of members is back (${detail})`;
}

/** `error` as a {@link StoreUnavailableError} when it stands for an outage, else unchanged. */
export function translate(error: unknown, endpoints: readonly string[]): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const outage = outageOf(error);
  return outage
    ? new StoreUnavailableError(outageMessage(outage, endpoints, error), { cause: error })
    : error;
}
