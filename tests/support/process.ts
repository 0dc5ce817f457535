import { programArgs, spawnPiped, terminate } from "../../shared/process/child.ts";
import { REPO_ROOT as ROOT } from "../../shared/config/roots.ts";
import { Watched } from "./watched.ts";

/** The repository root (shared/config/roots.ts) with a trailing slash: tests append paths to it. */
export const REPO_ROOT = `${ROOT}/`;

/** A program of the repo started as a real process under its permission set. */
export interface RunningProgram {
  /** stdout and stderr lines seen so far. */
  readonly lines: string[];
  /** Resolves with the first line that matches, rejects after `timeoutMs` naming what it waited for. */
  waitForLine(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number>;
  /** SIGTERM (or `signal`), then waits for the exit; SIGKILL after 5 s. */
  stop(signal?: Deno.Signal): Promise<number>;
  readonly pid: number;
}

/** Options of startProgram(). */
export interface StartOptions {
  /** Environment of the child (added to PATH and HOME only: nothing else leaks in). */
  env?: Record<string, string>;
  /** Extra arguments after the entry file (e.g. a subcommand). */
  args?: string[];
  /** Echo the child's lines to the test's stderr (also on with POSTERN_TEST_VERBOSE=1). */
  verbose?: boolean;
  cwd?: string;
}

/**
 * Starts `deno run -P=<program> <program>/main.ts ...args` with the real deno binary, the way
 * `deno task <program>` does, and collects its output lines.
 */
export function startProgram(program: string, options: StartOptions = {}): RunningProgram {
  return startDeno(programArgs(program, options.args), options);
}

/** Starts the real deno binary with `args` from the repo root and collects its output. */
export function startDeno(args: string[], options: StartOptions = {}): RunningProgram {
  return startCommand(Deno.execPath(), args, options);
}

/** Starts any command from the repo root (e.g. `ip netns exec NS deno ...`) and collects its output. */
export function startCommand(command: string, args: string[], options: StartOptions = {}): RunningProgram {
  const verbose = options.verbose ?? Deno.env.get("POSTERN_TEST_VERBOSE") === "1";
  const child = spawnPiped(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env });
  const output = new Watched<string>();
  const lines = output.items;
  const pump = async (stream: ReadableStream<Uint8Array>, tag: string) => {
    let rest = "";
    for await (
      const chunk of stream.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
    ) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        if (verbose) console.error(`[${args[1] ?? args[0]} ${tag}] ${line}`);
      }
      output.push(...parts);
    }
    if (rest) output.push(rest);
  };
  const pumped = Promise.all([pump(child.stdout, "out"), pump(child.stderr, "err")]);
  const exited = child.status.then(async (s) => {
    await pumped;
    output.end();
    return s.code;
  });
  let done = false;
  exited.then(() => (done = true));
  const matches = (line: string, m: RegExp | string) =>
    typeof m === "string" ? line.includes(m) : m.test(line);
  return {
    lines,
    exited,
    pid: child.pid,
    waitForLine(match, timeoutMs = 15_000) {
      return output.first((line) => matches(line, match), timeoutMs, {
        timeout: () =>
          new Error(`timed out after ${timeoutMs} ms waiting for ${match}; output:\n${lines.join("\n")}`),
        ended: () => new Error(`process ended before printing ${match}; output:\n${lines.join("\n")}`),
      });
    },
    stop(signal: Deno.Signal = "SIGTERM") {
      return done ? exited : terminate(child, exited, 5_000, signal);
    },
  };
}
