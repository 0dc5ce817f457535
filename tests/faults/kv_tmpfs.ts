/**
 * A controller on Deno KV whose state directory is a small tmpfs, for the disk faults (root only:
 * `mount`). {@link KV_FAULT_SKIP} is what the tests print when they cannot run.
 * @module
 */
import { prepareController, type TestController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import type { RunningProgram } from "../support/process.ts";

/** Whether the disk-fault tests can run here. */
export const CAN_MOUNT = Deno.uid() === 0;

/** Printed when they cannot. */
export const KV_FAULT_SKIP =
  "kv disk faults: skipped, mounting a tmpfs needs root (run the tests as root to cover them)";

/** Runs `cmd args`, failing with its stderr. */
export async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** The controller on its tmpfs, and how to reach it. */
export interface KvOnTmpfs {
  tc: TestController;
  controller: RunningProgram;
  /** The mounted state directory. */
  stateDir: string;
  /** GET /readyz. */
  readyz(): Promise<{ status: number; body: string }>;
}

/** Runs `fn` with a controller whose CONTROLLER_STATE_DIR is an 8 MiB tmpfs; unmounts after. */
export async function withKvOnTmpfs(fn: (k: KvOnTmpfs) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const stateDir = `${dir.path}/controller`;
  await Deno.mkdir(stateDir, { mode: 0o700 });
  await run("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", stateDir]);
  try {
    const tc = await prepareController(dir.path);
    const controller = await tc.start();
    try {
      await fn({
        tc,
        controller,
        stateDir,
        async readyz() {
          const r = await fetch(`${tc.adminUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
          return { status: r.status, body: await r.text() };
        },
      });
    } finally {
      await controller.stop();
    }
  } finally {
    await run("umount", ["-l", stateDir]).catch(() => {});
  }
}
