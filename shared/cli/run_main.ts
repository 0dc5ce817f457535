import { ConfigError, EnrollmentRefusedError, EXIT } from "../config/config_error.ts";
import { describeError, failureModeOfError } from "../failure_modes/format.ts";
import { createLogger, loggerOptionsFromEnv } from "../log/logger.ts";

/**
 * Runs a program's entry point and maps failures to the contract's exit codes: ConfigError 2,
 * EnrollmentRefusedError 3, anything else 1. The error is printed as one line on stderr, led by
 * its failure-mode id when it carries one (`postern-connector: [1.3] failed to read controller CA: ...`);
 * with `LOG_FORMAT=json` that line is a JSON log line whose `msg` is the same text and which has
 * the field `failure_mode`.
 */
export async function runMain(
  program: string,
  main: () => Promise<number | void>,
): Promise<never> {
  try {
    const code = await main();
    Deno.exit(code ?? EXIT.ok);
  } catch (error) {
    writeFatal(fatalLine(program, error), failureModeOfError(error), logFormat());
    Deno.exit(exitCodeOf(error));
  }
}

/** The fatal line of `program` for `error`: `program: [id] message` on one line. */
export function fatalLine(program: string, error: unknown): string {
  return `${program}: ${describeError(error).replaceAll("\n", " ")}`;
}

/** Writes the fatal line as text, or as a JSON log line with the `failure_mode` field. */
export function writeFatal(
  line: string,
  failureMode: string | undefined,
  format: "json" | "text",
  write: (line: string) => void = (l) => console.error(l),
): void {
  if (format === "text") return write(line);
  createLogger({ format: "json", write }).error(line, failureMode ? { failure_mode: failureMode } : {});
}

function logFormat(): "json" | "text" {
  try {
    return loggerOptionsFromEnv({ LOG_FORMAT: Deno.env.get("LOG_FORMAT") }).format ?? "text";
  } catch {
    return "text"; // no permission to read LOG_FORMAT
  }
}

/** The exit code for an error thrown out of a program's main. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof EnrollmentRefusedError) return EXIT.enrollmentRefused;
  return EXIT.runtime;
}
