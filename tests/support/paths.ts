/** Converts a file: URL to a path (node:url would do too; this keeps tests free of node imports). */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/**
 * Where tests keep state: `.postern/test/` in the repository, one of the roots that every program's
 * permission set admits (deno.json "permissions"), so programs under test run under their own set.
 */
export const TEST_STATE_ROOT = fromFileUrl(new URL("../../.postern/test/", import.meta.url));

/** `Deno.makeTempDir` under {@link TEST_STATE_ROOT}: a fresh directory the caller removes. */
export async function makeTestDir(options: { prefix?: string } = {}): Promise<string> {
  await Deno.mkdir(TEST_STATE_ROOT, { recursive: true });
  return await Deno.makeTempDir({ dir: TEST_STATE_ROOT, prefix: options.prefix ?? "postern-test-" });
}

/** A fresh directory under {@link TEST_STATE_ROOT}, removed by the returned dispose function. */
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
