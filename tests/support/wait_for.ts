import { poll } from "../../shared/process/poll.ts";
import type { RunningProgram } from "./process.ts";

/** Polls `fn` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
  context?: RunningProgram,
): Promise<T> {
  return poll(what, fn, {
    timeoutMs,
    everyMs,
    context: () => context ? `; output:\n${context.lines.join("\n")}` : "",
  });
}
