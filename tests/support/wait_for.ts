import type { RunningProgram } from "./process.ts";

/** Polls `fn` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
  context?: RunningProgram,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${
          context ? `; output:\n${context.lines.join("\n")}` : ""
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
