import { ConfigError, EnrollmentRefusedError, EXIT } from "../config/config_error.ts";

/**
 * Runs a program's entry point and maps failures to the contract's exit codes: ConfigError 2,
 * EnrollmentRefusedError 3, anything else 1. The error is printed as one line on stderr.
 */
export async function runMain(
  program: string,
  main: () => Promise<number | void>,
): Promise<never> {
  try {
    const code = await main();
    Deno.exit(code ?? EXIT.ok);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${program}: ${message.replaceAll("\n", " ")}`);
    Deno.exit(exitCodeOf(error));
  }
}

/** The exit code for an error thrown out of a program's main. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof EnrollmentRefusedError) return EXIT.enrollmentRefused;
  return EXIT.runtime;
}
