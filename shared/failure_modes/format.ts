/**
 * The one formatter of failure-mode messages: `[1.3] failed to read controller CA: ...`. Errors
 * carry their id as data (`failureMode`, as ConfigError, EnrollmentRefusedError and
 * PeerVerificationError do); the id is read from that field, never from the message text.
 * @module
 */
import { type FailureModeId, isFailureModeId } from "./catalogue.ts";

/** `[id] message`, or the message alone when `id` is undefined. */
export function withFailureMode(id: FailureModeId | undefined, message: string): string {
  return id === undefined ? message : `[${id}] ${message}`;
}

/** Options of errors that carry a failure mode. */
export interface FailureModeOptions extends ErrorOptions {
  /** The failure-mode id this error is an instance of. */
  failureMode?: FailureModeId;
}

/**
 * An error that may carry a failure-mode id (`options.failureMode`) as data, for
 * {@link failureModeOfError}: the base of ConfigError, EnrollmentRefusedError, NonRetryableError.
 */
export class ErrorWithFailureMode extends Error {
  override name = "ErrorWithFailureMode";
  /** The failure-mode id, e.g. `"1.3"`; undefined when no documented mode applies. */
  readonly failureMode: FailureModeId | undefined;

  constructor(message: string, options?: FailureModeOptions) {
    super(message, options);
    this.failureMode = options?.failureMode;
  }
}

/** The failure-mode id an error carries in its `failureMode` field, or undefined. */
export function failureModeOfError(error: unknown): FailureModeId | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const id = (error as { failureMode?: unknown }).failureMode;
  return isFailureModeId(id) ? id : undefined;
}

/** An error's message with its failure-mode id in front (`[1.3] ...`) when it carries one. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return withFailureMode(failureModeOfError(error), message);
}

/** A runtime failure (exit 1) that is one of the documented failure modes, e.g. 4.2 or 5.3. */
export class FailureModeError extends Error {
  override name = "FailureModeError";
  /** The failure-mode id. */
  readonly failureMode: FailureModeId;

  /**
   * @param failureMode the id, e.g. `"5.3"`
   * @param message the symptom text first, then what to do
   */
  constructor(failureMode: FailureModeId, message: string, options?: ErrorOptions) {
    super(message, options);
    this.failureMode = failureMode;
  }
}
