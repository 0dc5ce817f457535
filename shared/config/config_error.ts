/** Exit codes of the programs (docs/programs.md, "Exit status"). */
export const EXIT = {
  ok: 0,
  runtime: 1,
  config: 2,
  enrollmentRefused: 3,
} as const;

/** A configuration problem found before anything starts: the program exits 2 with the message. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The controller refused an enrollment: the program exits 3 with the message. */
export class EnrollmentRefusedError extends Error {
  override name = "EnrollmentRefusedError";
}
