import { describeError, failureModeOfError } from "../failure_modes/format.ts";
import type { LogFields, Logger } from "./logger.ts";

/**
 * Logs a failure at `level`. An error that carries a failure mode is logged as its own line led by
 * the id (`[4.2] internal CA mismatch during renewal: ...`), with `context` as a field and the
 * `failure_mode` field; any other error as `context` with the error's message as the `error` field.
 * @param context what failed, e.g. `certificate renewal failed; keeping the current certificate`
 */
export function logError(
  log: Logger,
  level: "warn" | "error",
  context: string,
  error: unknown,
  fields: LogFields = {},
): void {
  const id = failureModeOfError(error);
  if (id === undefined) {
    log[level](context, { ...fields, error: error instanceof Error ? error.message : String(error) });
  } else {
    log[level](describeError(error), { ...fields, context, failure_mode: id });
  }
}
