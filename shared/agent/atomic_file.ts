/**
 * Replacing a file so that a reader (or the next start after a crash) sees either the old
 * content or the new content, never a mix: write a temporary file in the same directory with
 * its final mode, optionally fsync it, rename it over the target, optionally fsync the directory.
 * @module
 */
import { dirname } from "node:path";

/** Options of {@link writeAtomic}. */
export interface WriteAtomicOptions {
  /** Permission bits of the file, enforced with chmod (the umask does not widen or narrow them); default 0o644. */
  mode?: number;
  /**
   * Flush the file and the directory entry to disk (fsync) so the new content survives a power
   * loss, not only a crash of the process; default false.
   */
  durable?: boolean;
}

/** Writes `text` to `path` atomically (see the module doc). The temporary file never outlives a failure. */
export async function writeAtomic(
  path: string,
  text: string,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    // Created with at most `mode` from the first byte (the umask can only narrow it), then
    // chmod so the final mode is exactly `mode`.
    const file = await Deno.open(tmp, { write: true, createNew: true, mode });
    try {
      await Deno.chmod(tmp, mode);
      const bytes = new TextEncoder().encode(text);
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
      if (options.durable) await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  if (options.durable) await syncDir(dirname(path));
}

/** fsyncs a directory so a rename or removal in it is on disk. */
export async function syncDir(dir: string): Promise<void> {
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}
