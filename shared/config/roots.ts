/**
 * The roots of each program (docs/architecture.md, "Permissions"): the only folders it may read
 * or write. deno.json grants each program read under these alone and write under some of them (a
 * test keeps the two equal), and every configured path (state directory, `*_PATH`, `*_FILE`) is
 * checked here first, so that a path outside them exits 2 with a message naming the path and the
 * roots instead of a NotCapable error later.
 *
 * Deno checks a path's text, not where its symlinks lead: a symlink inside a root that points
 * outside would pass Deno's check. So a configured path is refused both when its text lies
 * outside the roots and when its real path (symlinks and `..` resolved) does.
 * @module
 */
import { isAbsolute, join, normalize, resolve, sep } from "node:path";
import { ConfigError } from "./config_error.ts";
import type { ProgramName } from "./variables.ts";

/** The repository's root: the folder of deno.json, where the development root `.postern/` lives. */
export const REPO_ROOT: string = resolve(decodeURIComponent(new URL("../../", import.meta.url).pathname));

/** What a program does with a path: read it, or also write (create) it. */
export type Access = "read" | "write";

/** The development root, relative to {@link REPO_ROOT} (as deno.json writes it). */
export const DEV_ROOT = ".postern";

/**
 * The roots of `program`, in the order the contract lists them. Every root may be read; a program
 * writes only where it keeps state: its state directory, `.postern/`, and for the controller
 * `/etc/postern` (`init-ca --out /etc/postern/ca-next`); the UI writes nothing.
 */
export function programRoots(program: ProgramName, access: Access = "read", repoRoot = REPO_ROOT): string[] {
  const etc = "/etc/postern";
  const state = `/var/lib/postern-${program}`;
  const credentials = `/run/credentials/postern-${program}.service`;
  const dev = join(repoRoot, DEV_ROOT);
  if (access === "read") return [etc, state, credentials, dev];
  if (program === "ui") return [];
  return program === "controller" ? [etc, state, dev] : [state, dev];
}

/** A path read from the configuration, with the variable (or flag) that set it. */
export interface ConfiguredPath {
  /** The variable or flag, e.g. `CONTROLLER_CA_PATH`. */
  name: string;
  /** The path as configured (relative paths are taken from the working directory). */
  path: string;
  /** `write` when the program creates or changes it (a state directory); default `read`. */
  access?: Access;
  /** The failure-mode text the refusal starts with, e.g. `failed to read controller CA` (1.3). */
  symptom?: string;
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `path`: symlinks resolved in the part that exists, the rest appended. */
function realPath(path: string): string {
  const rest: string[] = [];
  let head = path;
  for (let i = 0; i < 4096; i++) {
    try {
      return normalize(join(Deno.realPathSync(head), ...rest));
    } catch (e) {
      // Above a root that does not exist yet (e.g. /var/lib/postern-<program> before its first start)
      // the program may not look: nothing there is a symlink it made, so the text is what counts.
      if (e instanceof Deno.errors.NotCapable) return normalize(path);
      // A directory the service's user may not search: opening the file fails the same way (5.2),
      // and it cannot reach elsewhere through a link it cannot traverse either.
      if (e instanceof Deno.errors.PermissionDenied) return normalize(path);
      if (!(e instanceof Deno.errors.NotFound) && !(e instanceof Deno.errors.NotADirectory)) throw e;
    }
    const cut = head.lastIndexOf(sep);
    if (cut <= 0) break;
    rest.unshift(head.slice(cut + 1));
    head = head.slice(0, cut);
  }
  return normalize(path);
}

/** The real path of `path`, or undefined when it cannot be resolved (e.g. not readable). */
function tryRealPath(path: string): string | undefined {
  try {
    return realPath(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses (ConfigError, exit 2) every path of `paths` that lies outside the roots of `program`,
 * by its text or by its real path. Call it before the program touches any of them.
 *
 * @returns each path made absolute and normalised (symlinks kept: Deno checks that text)
 */
export function checkRoots(
  program: ProgramName,
  paths: readonly ConfiguredPath[],
  options: { roots?: (access: Access) => readonly string[]; cwd?: string } = {},
): string[] {
  const rootsOf = options.roots ?? ((access: Access) => programRoots(program, access));
  const cwd = options.cwd ?? Deno.cwd();
  return paths.map(({ name, path, access = "read", symptom }) => {
    const roots = rootsOf(access);
    const realRoots = roots.flatMap((root) => [root, tryRealPath(root) ?? root]);
    const kind = access === "write" ? "writable roots" : "roots";
    const outside = `outside the ${kind} of postern-${program} (${roots.join(", ") || "none"})`;
    const raw = isAbsolute(path) ? path : `${cwd}${sep}${path}`;
    const absolute = resolve(raw);
    const fix = `set ${name} to a path under one of them`;
    const lead = symptom ? `${symptom}: ` : "";
    if (!roots.some((root) => within(absolute, root))) {
      throw new ConfigError(`${lead}${name} "${path}" is ${outside}: ${fix}`);
    }
    let real: string;
    try {
      real = realPath(raw);
    } catch (e) {
      throw new ConfigError(
        `${lead}${name} "${path}" cannot be resolved (${(e as Error).message}): check the path`,
      );
    }
    if (!realRoots.some((root) => within(real, root))) {
      throw new ConfigError(`${lead}${name} "${path}" resolves to "${real}", ${outside}: ${fix}`);
    }
    return absolute;
  });
}

/**
 * A fresh directory under `.postern/<folder>/` in the repository, where development, the demo, the
 * benchmarks and the tests keep program state that every program's permission set admits.
 */
export async function makeDevDir(folder: string, prefix: string): Promise<string> {
  const parent = join(REPO_ROOT, DEV_ROOT, folder);
  await Deno.mkdir(parent, { recursive: true });
  return await Deno.makeTempDir({ dir: parent, prefix });
}
