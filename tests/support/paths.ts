import { makeDevDir } from "../../shared/config/roots.ts";

/** Converts a file: URL to a path (node:url would do too; this keeps tests free of node imports). */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/**
 * A fresh directory under `.postern/test/` in the repository, which every program's permission set
 * admits (deno.json "permissions"), so programs under test run under their own set. The caller
 * removes it.
 */
export async function makeTestDir(options: { prefix?: string } = {}): Promise<string> {
  return await makeDevDir("test", options.prefix ?? "postern-test-");
}

/** A fresh directory under `.postern/test/` (see {@link makeTestDir}), removed on dispose. */
export async function tempDir(
  prefix = "postern-test-",
): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await makeTestDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
