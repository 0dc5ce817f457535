/**
 * The real programs the UI's browser tests drive: `postern-controller` (fresh CA and state in a
 * temp dir), `postern-ui` in front of it, and `postern-connector` processes on demand.
 */
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { prepareController } from "../support/controller.ts";
import { connectorEnv, tunnelerEnv } from "../agents/_cluster.ts";

/** A running controller + UI. */
export interface Stack {
  adminUrl: string;
  adminToken: string;
  grpcAddr: string;
  caPath: string;
  uiUrl: string;
  password: string;
  controller: RunningProgram;
  ui: RunningProgram;
  /** Calls the admin API directly (as an operator script would). */
  // deno-lint-ignore no-explicit-any
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Enrolls and runs a real connector with `id`. */
  startConnector(id: string): Promise<RunningProgram>;
  /**
   * Enrolls and runs a real tunneler `id` (token bound to it) dialing connector `connectorId`
   * (started by this stack) with `forwards` (TUNNELER_FORWARDS); resolves once it runs.
   */
  startTunneler(id: string, connectorId: string, forwards: string): Promise<RunningProgram>;
  /** Starts the controller again on its state directory and ports (after `controller.stop()`); resolves once ready. */
  startController(): Promise<RunningProgram>;
  stop(): Promise<void>;
}

/** A `postern-ui` process started by {@link startUi}: its URL and login password. */
export interface RunningUi {
  ui: RunningProgram;
  uiUrl: string;
  password: string;
}

/**
 * Starts `postern-ui` on a free loopback port in front of the controller's admin API, with a
 * fresh password (and `extraEnv`); the caller waits for its `listening on` line and stops it.
 */
export function startUi(
  c: { adminUrl: string; adminToken: string; grpcAddr: string },
  extraEnv: Record<string, string> = {},
): RunningUi {
  const uiPort = freePort();
  const password = `pw-${crypto.randomUUID()}`;
  const ui = startProgram("ui", {
    env: {
      ADMIN_API_URL: c.adminUrl,
      ADMIN_AUTH_TOKEN: c.adminToken,
      UI_ADDR: `127.0.0.1:${uiPort}`,
      UI_ADMIN_PASSWORD: password,
      UI_CONTROLLER_ADDR: c.grpcAddr,
      ...extraEnv,
    },
  });
  return { ui, uiUrl: `http://127.0.0.1:${uiPort}`, password };
}

/** Starts controller and UI in `dir`. */
export async function startStack(dir: string): Promise<Stack> {
  const tc = await prepareController(dir);
  const { adminUrl, adminToken, grpcAddr, caCert: certPath } = tc;
  const running: RunningProgram[] = [];
  const stop = async () => {
    await Promise.all(running.reverse().map((p) => p.stop()));
  };
  try {
    const controller = await tc.start();
    running.push(controller);
    const { ui, uiUrl, password } = startUi({ adminUrl, adminToken, grpcAddr });
    running.push(ui);
    await ui.waitForLine("listening on");
    const admin = tc.admin;
    const connectorPorts = new Map<string, number>();
    return {
      adminUrl,
      adminToken,
      grpcAddr,
      caPath: certPath,
      uiUrl,
      password,
      controller,
      ui,
      admin,
      async startConnector(id) {
        const token = (await admin("POST", "/api/admin/tokens", { role: "connector", note: id })).body.token;
        const port = freePort();
        connectorPorts.set(id, port);
        const connector = startProgram("connector", {
          args: ["run"],
          env: { ...connectorEnv({ grpcAddr, caPath: certPath, dir }, id, port), ENROLLMENT_TOKEN: token },
        });
        running.push(connector);
        return connector;
      },
      async startTunneler(id, connectorId, forwards) {
        const port = connectorPorts.get(connectorId);
        if (port === undefined) throw new Error(`connector "${connectorId}" was not started by this stack`);
        const made = await admin("POST", "/api/admin/tokens", { role: "tunneler", id, note: id });
        if (made.status !== 201) {
          throw new Error(`token for ${id}: ${made.status} ${JSON.stringify(made.body)}`);
        }
        const tunneler = startProgram("tunneler", {
          args: ["run"],
          env: {
            ...tunnelerEnv(
              { grpcAddr, caPath: certPath, dir },
              id,
              `${connectorId}@127.0.0.1:${port}`,
              forwards,
            ),
            ENROLLMENT_TOKEN: made.body.token,
          },
        });
        running.push(tunneler);
        await tunneler.waitForLine("control-plane stream connected", 20_000);
        return tunneler;
      },
      async startController() {
        const again = await tc.start();
        running.push(again);
        return again;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
