/**
 * The admin commands' test fixture: a real controller process, and `postern-controller <args>`
 * run to completion under the controller's permission set with ADMIN_API_URL/ADMIN_AUTH_TOKEN
 * pointing at it; stdout and stderr apart (stdout must parse as JSON with --json).
 */
import { childEnv } from "../../shared/process/child.ts";
import { prepareController, type TestController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { REPO_ROOT } from "../support/process.ts";

/** What one command printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `postern-controller ...args` with exactly `env` (plus PATH and HOME). */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=controller", "controller/main.ts", ...args],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: childEnv(env),
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A running controller and the CLI aimed at it. */
export interface CliFixture extends AsyncDisposable {
  controller: TestController;
  /** The CLI environment: ADMIN_API_URL and ADMIN_AUTH_TOKEN (the bootstrap token). */
  env: Record<string, string>;
  /** Runs the CLI with `env` (plus `extra`). */
  cli(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  /** Runs the CLI and fails unless it exits 0; returns stdout. */
  ok(args: string[], extra?: Record<string, string>): Promise<string>;
}

/** Starts a controller for CLI tests. */
export async function startCliFixture(): Promise<CliFixture> {
  const dir = await tempDir("postern-cli-test-");
  const controller = await prepareController(dir.path);
  const running = await controller.start();
  const env = { ADMIN_API_URL: controller.adminUrl, ADMIN_AUTH_TOKEN: controller.adminToken };
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });
  return {
    controller,
    env,
    cli,
    async ok(args, extra) {
      const r = await cli(args, extra);
      if (r.code !== 0) throw new Error(`${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async [Symbol.asyncDispose]() {
      await running.stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}
