/**
 * The demo's configuration to reuse: one env file per program (`controller.env`, `connector.env`,
 * `tunneler.env`, `ui.env`), in the format of systemd's `EnvironmentFile=` that `sh` can also
 * source (`set -a; . FILE`). They hold the admin token and the UI password: mode 0600. Enrollment
 * tokens are left out (used once; the agents run on their stored identity).
 * @module
 */
import { join } from "node:path";

/** Variables never written: spent on first use. */
const SPENT = new Set(["ENROLLMENT_TOKEN"]);

/** One `KEY=value` line; the value double-quoted (with `\\ " $ \``escaped) unless plain. */
export function envLine(key: string, value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]*$/.test(value)) return `${key}=${value}`;
  return `${key}="${value.replace(/[\\"$`]/g, (c) => "\\" + c)}"`;
}

/** The text of one env file. */
export function envFileText(program: string, env: Record<string, string>): string {
  const lines = Object.entries(env).filter(([k]) => !SPENT.has(k)).map(([k, v]) => envLine(k, v));
  return `# ${program} of the Postern demo (EnvironmentFile= format; sh: set -a; . this-file)\n${
    lines.join("\n")
  }\n`;
}

/** Writes `<dir>/<program>.env` for each program (mode 0600); returns the paths by program. */
export async function writeEnvFiles(
  dir: string,
  programs: Record<string, Record<string, string>>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [program, env] of Object.entries(programs)) {
    const path = join(dir, `${program}.env`);
    await Deno.writeTextFile(path, envFileText(program, env), { mode: 0o600 });
    await Deno.chmod(path, 0o600);
    out[program] = path;
  }
  return out;
}
