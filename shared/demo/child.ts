import { poll } from "../process/poll.ts";
import { programArgs, spawnPiped, terminate } from "../process/child.ts";
import { REPO_ROOT } from "../config/roots.ts";

/** One program of the system started as a real process, its output kept in a log file. */
export interface Child {
  readonly name: string;
  readonly logPath: string;
  /** The process id, for the operator's `kill`. */
  readonly pid: number;
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s, longer than any program's drain). */
  stop(graceMs?: number): Promise<number>;
  /** The last lines of the log, for error messages. */
  tail(lines?: number): Promise<string>;
}

/**
 * Starts `deno run -P=<program> <program>/main.ts ...args` with the real deno binary, the same
 * permission set that `deno task <program>` uses, and only the variables in `env`.
 */
export function startChild(
  name: string,
  program: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): Promise<Child> {
  return startCommandChild(name, Deno.execPath(), programArgs(program, args), env, logDir);
}

/** Starts any `command` (e.g. etcd) the way {@link startChild} starts a program of the repo. */
export async function startCommandChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): Promise<Child> {
  const logPath = `${logDir}/${name}.log`;
  const log = await Deno.open(logPath, { create: true, append: true });
  const child = spawnPiped(command, args, { cwd: REPO_ROOT, env });
  const copy = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeTo(
      new WritableStream({ write: (chunk) => void log.writeSync(chunk) }),
    ).catch(() => {});
  const copied = Promise.all([copy(child.stdout), copy(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await copied;
    log.close();
    return s.code;
  });
  let ended = false;
  exited.then(() => (ended = true));
  return {
    name,
    logPath,
    pid: child.pid,
    exited,
    stop(graceMs = 10_000) {
      return ended ? exited : terminate(child, exited, graceMs);
    },
    async tail(lines = 20) {
      const text = await Deno.readTextFile(logPath).catch(() => "");
      return text.trimEnd().split("\n").slice(-lines).join("\n");
    },
  };
}

/** Polls `probe` every 100 ms until it returns a value, or fails with `what` after `timeoutMs`. */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  child?: Child,
): Promise<T> {
  return poll(what, probe, {
    timeoutMs,
    retryErrors: true,
    context: async () => child ? `\n--- ${child.logPath} ---\n${await child.tail()}` : "",
  });
}

/** On SIGINT or SIGTERM: says so, runs `stop` (which stops every process of the demo), and exits 0. */
export function stopOnSignal(stop: () => Promise<void>): void {
  const shutdown = async () => {
    console.log("\nstopping every process …");
    await stop();
    console.log("stopped.");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}
