import type { FailureModeId } from "../failure_modes/catalogue.ts";
import type { FailureModeOptions } from "../failure_modes/format.ts";

/** Exit codes of the programs (docs/programs.md, "Exit status"). */
export const EXIT = {
  ok: 0,
  runtime: 1,
  config: 2,
  enrollmentRefused: 3,
} as const;

/**
 * A configuration problem found before anything starts: the program exits 2 with the message,
 * led by its failure-mode id (`[1.3] ...`) when `options.failureMode` names one.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The failure-mode id, e.g. `"1.3"`; undefined when no documented mode applies. */
  readonly failureMode: FailureModeId | undefined;

  constructor(message: string, options?: FailureModeOptions) {
    super(message, options);
    this.failureMode = options?.failureMode;
  }
}

/** The controller refused an enrollment: the program exits 3 with the message. */
export class EnrollmentRefusedError extends Error {
  override name = "EnrollmentRefusedError";
  /** The failure-mode id, e.g. `"1.2"` for a refused token; undefined when none applies. */
  readonly failureMode: FailureModeId | undefined;

  constructor(message: string, options?: FailureModeOptions) {
    super(message, options);
    this.failureMode = options?.failureMode;
  }
}
