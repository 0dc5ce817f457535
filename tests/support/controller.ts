/**
 * A controller for real-process tests: a fresh CA and state in `dir`, loopback ports, the admin
 * API client, and a readiness wait. The agent and UI harnesses build on it.
 */
import assert from "node:assert/strict";
import { initCa } from "../../controller/init_ca.ts";
import { freePort } from "./ports.ts";
import { type RunningProgram, startProgram } from "./process.ts";
import { waitFor } from "./wait_for.ts";
import { adminClient } from "./admin.ts";

/** A prepared (not yet started) controller. */
export interface TestController {
  caCert: string;
  caKey: string;
  grpcAddr: string;
  adminUrl: string;
  adminToken: string;
  /** The environment `start()` gives `postern-controller serve` (before `extra`). */
  env: Readonly<Record<string, string>>;
  /** Calls the admin API with the admin token; the body is parsed JSON (undefined when empty). */
  // deno-lint-ignore no-explicit-any
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Starts `postern-controller serve` (plus `extra` env) and waits for /readyz. */
  start(extra?: Record<string, string>): Promise<RunningProgram>;
}

/**
 * Prepares a controller in `dir`: HEARTBEAT_INTERVAL=1s and OFFLINE_AFTER=3s unless `env`
 * overrides them.
 */
export async function prepareController(
  dir: string,
  env: Record<string, string> = {},
): Promise<TestController> {
  const { certPath, keyPath } = await initCa(`${dir}/ca`);
  const adminToken = crypto.randomUUID() + crypto.randomUUID();
  const adminPort = freePort();
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const grpcAddr = `127.0.0.1:${freePort()}`;
  const controllerEnv = {
    ADMIN_AUTH_TOKEN: adminToken,
    ADMIN_HTTP_ADDR: `127.0.0.1:${adminPort}`,
    CONTROLLER_GRPC_ADDR: grpcAddr,
    CONTROLLER_STATE_DIR: `${dir}/controller`,
    INTERNAL_CA_CERT_FILE: certPath,
    INTERNAL_CA_KEY_FILE: keyPath,
    HEARTBEAT_INTERVAL: "1s",
    OFFLINE_AFTER: "3s",
    ...env,
  };
  return {
    caCert: certPath,
    caKey: keyPath,
    grpcAddr,
    adminUrl,
    adminToken,
    env: controllerEnv,
    admin: adminClient(adminUrl, adminToken).call,
    async start(extra = {}) {
      const controller = startProgram("controller", { args: ["serve"], env: { ...controllerEnv, ...extra } });
      const ready = async () => {
        const r = await fetch(`${adminUrl}/readyz`).catch(() => undefined);
        await r?.body?.cancel();
        return r?.ok || undefined;
      };
      try {
        await waitFor("the controller to be ready", ready, 20_000, 100, controller);
      } catch (e) {
        await controller.stop();
        throw e;
      }
      return controller;
    },
  };
}

/**
 * Runs `postern-controller serve` with `env` when it is expected to refuse to start: resolves with
 * the exit code and output once it exits, and fails (stopping it) if it starts serving instead.
 */
export async function serveExpectingExit(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number; out: string }> {
  const p = startProgram("controller", { args: ["serve"], env });
  const serving = p.waitForLine("controller serving", timeoutMs).then(() => true, () => false);
  const outcome = await Promise.race([
    p.exited.then(() => "exited"),
    serving.then((s) => s ? "serving" : ""),
  ]);
  if (outcome === "serving") {
    await p.stop();
    assert.fail(`the controller started serving instead of refusing to start:\n${p.lines.join("\n")}`);
  }
  const code = await p.exited;
  return { code, out: p.lines.join("\n") };
}
