/**
 * A controller on Deno KV whose state directory is a small tmpfs (a full disk) or a loop-mounted
 * ext4 (a disk the kernel turns read-only), for the disk faults (root only: `mount`).
 * {@link KV_FAULT_SKIP} and {@link KV_READ_ONLY_SKIP} are what the tests print when they cannot run.
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

/** The running controller `tc` on its mounted `stateDir`, with its /readyz. */
function kvOn(tc: TestController, controller: RunningProgram, stateDir: string): KvOnTmpfs {
  return {
    tc,
    controller,
    stateDir,
    async readyz() {
      const r = await fetch(`${tc.adminUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return { status: r.status, body: await r.text() };
    },
  };
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
      await fn(kvOn(tc, controller, stateDir));
    } finally {
      await controller.stop();
    }
  } finally {
    await run("umount", ["-l", stateDir]).catch(() => {});
  }
}

/**
 * Whether a loop-mounted ext4 can be made here (root, `losetup`, `mkfs.ext4`, `e2fsck`, a loop device):
 * the read-only fault needs it, since the kernel refuses to remount a file system read-only while
 * a file on it is open for writing (Deno KV's database always is), and only ext4's own
 * `errors=remount-ro` turns a mounted file system read-only underneath its writers.
 */
export const CAN_LOOP = CAN_MOUNT &&
  await new Deno.Command("losetup", { args: ["-f"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false) &&
  (await Promise.all(
    ["mkfs.ext4", "e2fsck"].map((tool) =>
      new Deno.Command(tool, { args: ["-V"], stdout: "null", stderr: "null" }).output().then(
        () => true,
        () => false,
      )
    ),
  )).every(Boolean);

/** Printed when the read-only fault cannot run. */
export const KV_READ_ONLY_SKIP =
  "kv read-only disk fault: skipped, it needs root, losetup, mkfs.ext4, e2fsck and a loop device";

/** A controller on Deno KV whose state directory is a loop-mounted ext4 (`errors=remount-ro`). */
export interface KvOnExt4 extends KvOnTmpfs {
  /** An ext4 error on the state directory's file system: the kernel makes it read-only under the controller. */
  fail(): Promise<void>;
  /**
   * What an operator does after such an error: stops the controller, unmounts, `e2fsck -fy`, mounts
   * again read-write, and starts the controller on the same state; resolves with the new process.
   */
  repairAndRestart(): Promise<RunningProgram>;
}

/** Runs `fn` with a controller whose CONTROLLER_STATE_DIR is a 16 MiB loop-mounted ext4; unmounts after. */
export async function withKvOnExt4(fn: (k: KvOnExt4) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const stateDir = `${dir.path}/controller`;
  const image = `${dir.path}/state.img`;
  await Deno.mkdir(stateDir, { mode: 0o700 });
  await Deno.writeFile(image, new Uint8Array());
  await Deno.truncate(image, 16 * 1024 * 1024);
  await run("mkfs.ext4", ["-q", "-F", image]);
  const mount = async () => {
    await run("mount", ["-o", "loop,errors=remount-ro", image, stateDir]);
    await Deno.chmod(stateDir, 0o700);
  };
  const device = async () => {
    const out = await new Deno.Command("findmnt", { args: ["-no", "SOURCE", stateDir], stdout: "piped" })
      .output();
    return new TextDecoder().decode(out.stdout).trim().replace(/^\/dev\//, "");
  };
  await mount();
  let controller: RunningProgram | undefined;
  try {
    const tc = await prepareController(dir.path);
    controller = await tc.start();
    const k: KvOnExt4 = {
      ...kvOn(tc, controller, stateDir),
      async fail() {
        await Deno.writeTextFile(`/sys/fs/ext4/${await device()}/trigger_fs_error`, "postern fault test\n");
      },
      async repairAndRestart() {
        await controller?.stop();
        await run("umount", [stateDir]);
        // e2fsck exits 1 when it fixed something (the error it recorded): both are a repaired disk.
        const fsck = await new Deno.Command("e2fsck", {
          args: ["-fy", image],
          stdout: "null",
          stderr: "piped",
        })
          .output();
        if (fsck.code > 1) throw new Error(`e2fsck ${image}: ${new TextDecoder().decode(fsck.stderr)}`);
        await mount();
        controller = k.controller = await tc.start();
        return controller;
      },
    };
    await fn(k);
  } finally {
    await controller?.stop();
    await run("umount", ["-l", stateDir]).catch(() => {});
  }
}
