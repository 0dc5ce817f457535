/**
 * The controller's state directory holds Deno KV, and KV holds the CA private key: the directory
 * must be the owner's alone (0700) and the KV files 0600, whatever the umask.
 * @module
 */
import { dirname, join } from "node:path";
import { ConfigError } from "../shared/config/config_error.ts";

/** The KV database file inside the state directory. */
export const KV_FILE = "controller.kv";

/** SQLite's companions of the KV file (WAL mode): they hold the same data. */
const KV_COMPANIONS = ["-wal", "-shm", "-journal"] as const;

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, "0");
}

/**
 * Creates `dir` with mode 0700 when it is missing; refuses (ConfigError, exit 2) an existing one
 * that is not a directory or that group or others may read, write or enter.
 */
export async function secureStateDir(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`CONTROLLER_STATE_DIR "${dir}": ${(e as Error).message}: check the path`);
    }
    await Deno.mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      return await secureStateDir(dir);
    }
    await Deno.chmod(dir, 0o700); // mkdir's mode is filtered by the umask; set it exactly
    return;
  }
  if (!info.isDirectory) {
    throw new ConfigError(`CONTROLLER_STATE_DIR "${dir}" is not a directory: point it at a directory`);
  }
  const mode = info.mode ?? 0;
  if (mode & 0o077) {
    throw new ConfigError(
      `CONTROLLER_STATE_DIR "${dir}" has mode ${
        octal(mode)
      }: group or others can read it and it holds the CA private key: run chmod 700 ${dir}`,
    );
  }
}

/**
 * Opens the KV database of `dir` (already secured by {@link secureStateDir}) with the database
 * file and its SQLite companions at mode 0600. The database file is created 0600 before SQLite
 * opens it, so the companions SQLite creates inherit that mode from the start.
 */
export async function openStateKv(dir: string): Promise<Deno.Kv> {
  const path = join(dir, KV_FILE);
  const file = await Deno.open(path, { create: true, write: true, mode: 0o600 });
  file.close();
  await Deno.chmod(path, 0o600);
  const kv = await Deno.openKv(path);
  try {
    await restrictKvFiles(path);
  } catch (e) {
    kv.close();
    throw e;
  }
  return kv;
}

/** Sets mode 0600 on the KV file `path` and each companion file that exists. */
export async function restrictKvFiles(path: string): Promise<void> {
  for (const p of [path, ...KV_COMPANIONS.map((s) => path + s)]) {
    try {
      await Deno.chmod(p, 0o600);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
