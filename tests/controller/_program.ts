/** Helpers for tests that run `postern-controller` as a real process and read its exit and output. */
import { createCa } from "../../shared/pki/ca.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";

/** The ADMIN_AUTH_TOKEN these tests give the controller. */
export const TOKEN = "program-test-admin-token-123";

/** Writes a fresh CA to `dir`/ca.crt and ca.key; returns the variables that name them. */
export async function caFiles(dir: string): Promise<Record<string, string>> {
  const { certPem, keyPem } = await createCa();
  await Deno.writeTextFile(`${dir}/ca.crt`, certPem);
  await Deno.writeTextFile(`${dir}/ca.key`, keyPem);
  return { INTERNAL_CA_CERT_FILE: `${dir}/ca.crt`, INTERNAL_CA_KEY_FILE: `${dir}/ca.key` };
}

/** A controller environment on loopback with its state in `dir`/state, plus `extra`. */
export function controllerEnv(dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    ADMIN_AUTH_TOKEN: TOKEN,
    ADMIN_HTTP_ADDR: `127.0.0.1:${freePort()}`,
    CONTROLLER_GRPC_ADDR: `127.0.0.1:${freePort()}`,
    CONTROLLER_STATE_DIR: `${dir}/state`,
    ...extra,
  };
}

/** Runs `postern-controller ...args` with `env` to its end: the exit code and all output. */
export async function runController(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const p = startProgram("controller", { env, args });
  const code = await p.exited;
  return { code, out: p.lines.join("\n") };
}
