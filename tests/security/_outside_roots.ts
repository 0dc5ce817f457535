/**
 * Helpers of the scenarios where a program is pointed outside its roots: a directory outside every
 * root (the system's temporary folder, as another program's state or a stray copy of a key would
 * be), and the roots as the refusal names them.
 */
import { type Access, programRoots } from "../../shared/config/roots.ts";
import type { ProgramName } from "../../shared/config/variables.ts";
import type { RunningProgram } from "../support/process.ts";
import { within } from "../support/within.ts";

/** A fresh directory outside every program's roots, removed on dispose. */
export async function outsideDir(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "postern-outside-roots-" }));
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** `outside the (writable) roots of postern-<program> (...)`, as the refusal words it. */
export function outsideTheRoots(program: ProgramName, access: Access = "read"): string {
  const kind = access === "write" ? "writable roots" : "roots";
  return `outside the ${kind} of postern-${program} (${programRoots(program, access).join(", ")})`;
}

/** The exit code of a program expected to refuse its configuration; stops it if it runs on. */
export async function exitCodeOf(p: RunningProgram, ms = 20_000): Promise<number> {
  try {
    return await within(p.exited, ms, "the program's refusal to start");
  } finally {
    await p.stop();
  }
}
