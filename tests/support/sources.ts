/**
 * The program source lines of the repository, for tests that guard a seam (one way to decode peer
 * bytes, one way to apply the runtime repairs): every `.ts`/`.tsx` file under the program folders,
 * less the paths `skip` names.
 * @module
 */
import { join } from "node:path";
import { REPO_ROOT } from "./process.ts";

/** The folders that hold program code. */
export const PROGRAM_DIRS = ["connector", "tunneler", "controller", "shared", "ui"] as const;

async function* sources(dir: string, skip: readonly RegExp[]): AsyncGenerator<string> {
  for await (const e of Deno.readDir(join(REPO_ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sources(path, skip);
    else if (e.isFile && /\.tsx?$/.test(e.name) && !skip.some((re) => re.test(path))) yield path;
  }
}

/**
 * `path:line: text` of every source line matching `pattern` under `dirs` (default the program
 * folders), outside `skip`.
 */
export async function sourceLinesMatching(
  pattern: RegExp,
  skip: readonly RegExp[],
  dirs: readonly string[] = PROGRAM_DIRS,
): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    for await (const path of sources(dir, skip)) {
      const lines = (await Deno.readTextFile(join(REPO_ROOT, path))).split("\n");
      lines.forEach((line, i) => {
        if (pattern.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  return found;
}
