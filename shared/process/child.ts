/**
 * The one way Postern starts its own programs as child processes (the demo, the tests, the
 * benches): the real deno binary, the program's permission set, and no environment but PATH,
 * HOME, NO_COLOR and what the caller names; and the one way to stop them.
 * @module
 */

/** The environment of a started program: PATH, HOME and NO_COLOR=1 from here, then `env`. */
export function childEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_COLOR: "1",
    ...env,
  };
}

/** The deno arguments that run `program` the way `deno task <program>` does, then `args`. */
export function programArgs(program: string, args: string[] = []): string[] {
  return ["run", "-q", `-P=${program}`, `${program}/main.ts`, ...args];
}

/** Options of {@link spawnPiped}. */
export interface SpawnOptions {
  /** Working directory. */
  cwd: string;
  /** Variables on top of {@link childEnv}'s. */
  env?: Record<string, string> | undefined;
}

/** Spawns `command args` with only {@link childEnv}, stdin closed, stdout and stderr piped. */
export function spawnPiped(command: string, args: string[], o: SpawnOptions): Deno.ChildProcess {
  return new Deno.Command(command, {
    args,
    cwd: o.cwd,
    clearEnv: true,
    env: childEnv(o.env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Sends `signal` (default SIGTERM) to `child` unless it is gone, sends SIGKILL if it has not
 * ended after `graceMs`, and resolves with what `exited` resolves with.
 */
export async function terminate<T>(
  child: Deno.ChildProcess,
  exited: Promise<T>,
  graceMs: number,
  signal: Deno.Signal = "SIGTERM",
): Promise<T> {
  kill(child, signal);
  const timer = setTimeout(() => kill(child, "SIGKILL"), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch { /* already gone */ }
}
