/** Converts a file: URL to a path (node:url would do too; this keeps tests free of node imports). */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** A fresh temporary directory removed by the returned dispose function. */
export async function tempDir(
  prefix = "postern-test-",
): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
