import { ErrorWithFailureMode } from "../failure_modes/format.ts";

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
export class ConfigError extends ErrorWithFailureMode {
  override name = "ConfigError";
}

/** The controller refused an enrollment: the program exits 3 with the message. */
export class EnrollmentRefusedError extends ErrorWithFailureMode {
  override name = "EnrollmentRefusedError";
}
