import { AdminClient } from "./admin_client.ts";
import { type Child, startChild, waitFor } from "./child.ts";
import { writeEnvFiles } from "./env_files.ts";
import { pickPort } from "./ports.ts";

/** Options of startTopology(). */
export interface TopologyOptions {
  /** Working directory for the CA, state and logs. */
  dir: string;
  /** Preferred UI port (default 3000, any free port when taken). */
  uiPort?: number;
  /** Preferred local port of the tunneler's forward (default 18080, any free port when taken). */
  forwardPort?: number;
  /** Progress lines, e.g. console.log. */
  progress?: (line: string) => void;
  /** An existing private resource (`127.0.0.1:port`) instead of the built-in HTTP service. */
  resourceAddr?: string;
  /** Start the UI too (default true). */
  ui?: boolean;
}

/** The running demo system: one controller, UI, connector, tunneler and a private service. */
export interface Topology {
  dir: string;
  admin: AdminClient;
  uiUrl: string;
  uiPassword: string;
  grpcAddr: string;
  caPath: string;
  connectorId: string;
  connectorAddr: string;
  tunnelerId: string;
  /** The tunneler's local forward: an HTTP GET here reaches the private service through the tunnel. */
  forwardUrl: string;
  forwardPort: number;
  privateServiceAddr: string;
  /** The env file of each program started (`controller`, `connector`, `tunneler`, `ui`), mode 0600. */
  envFiles: Record<string, string>;
  children: Record<"controller" | "connector" | "tunneler", Child> & { ui?: Child | undefined };
  /** Stops every process and the private service; leaves nothing running. */
  stop(): Promise<void>;
  /** Starts a stopped agent again with its stored identity (no enrollment token). */
  restart(name: "connector" | "tunneler"): Promise<Child>;
}

/** What the sample private service answers; the demo checks it arrives through the tunnel. */
export const PRIVATE_GREETING = "hello from the private network, through a Postern tunnel\n";

function randomSecret(bytes = 18): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
    .replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * Starts the whole system on loopback through its real interfaces: `init-ca`, the controller,
 * the admin API for tokens, allowlist and resources, enrollment by token, the UI.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const say = options.progress ?? (() => {});
  const { dir } = options;
  const logs = `${dir}/logs`;
  await Deno.mkdir(logs, { recursive: true });
  const started: Child[] = [];
  const recipes = new Map<string, { program: string; args: string[]; env: Record<string, string> }>();
  const launch = async (name: string, program: string, args: string[], env: Record<string, string>) => {
    recipes.set(name, { program, args, env });
    const child = await startChild(name, program, args, env, logs);
    started.push(child);
    return child;
  };
  const abort = new AbortController();
  // The "private" service: only the connector is configured to reach it.
  const privatePort = pickPort();
  const privateService = options.resourceAddr ? undefined : Deno.serve(
    { hostname: "127.0.0.1", port: privatePort, signal: abort.signal, onListen: () => {} },
    () => new Response(PRIVATE_GREETING, { headers: { "content-type": "text/plain" } }),
  );
  const stopAll = async () => {
    await Promise.all(started.reverse().map((c) => c.stop()));
    abort.abort();
    await privateService?.finished;
  };
  try {
    say("creating the internal CA (postern-controller init-ca)");
    const init = await startChild("init-ca", "controller", ["init-ca", "--out", `${dir}/ca`], {}, logs);
    const code = await init.exited;
    if (code !== 0) throw new Error(`init-ca exited ${code}:\n${await init.tail()}`);
    const caPath = `${dir}/ca/ca.crt`;

    const adminToken = randomSecret(24);
    const adminPort = pickPort();
    const grpcPort = pickPort();
    const grpcAddr = `127.0.0.1:${grpcPort}`;
    say("starting the controller");
    const controller = await launch("controller", "controller", ["serve"], {
      ADMIN_AUTH_TOKEN: adminToken,
      ADMIN_HTTP_ADDR: `127.0.0.1:${adminPort}`,
      CONTROLLER_GRPC_ADDR: grpcAddr,
      CONTROLLER_STATE_DIR: `${dir}/controller`,
      INTERNAL_CA_CERT_FILE: caPath,
      INTERNAL_CA_KEY_FILE: `${dir}/ca/ca.key`,
      HEARTBEAT_INTERVAL: "2s",
      OFFLINE_AFTER: "6s",
    });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitFor(
      "the controller to be ready",
      async () => {
        const r = await fetch(`${adminUrl}/readyz`);
        await r.body?.cancel();
        return r.ok ? true : undefined;
      },
      20_000,
      controller,
    );
    const admin = new AdminClient(adminUrl, adminToken);

    const connectorId = "demo-connector";
    const connectorAddr = `127.0.0.1:${pickPort()}`;
    say("enrolling and starting the connector");
    const connector = await launch("connector", "connector", ["run"], {
      CONTROLLER_ADDR: grpcAddr,
      CONNECTOR_ID: connectorId,
      CONTROLLER_CA_PATH: caPath,
      ENROLLMENT_TOKEN: await admin.createToken("connector", "demo connector"),
      CONNECTOR_PRIVATE_IP: "127.0.0.1",
      CONNECTOR_LISTEN_ADDR: connectorAddr,
      CONNECTOR_STATE_DIR: `${dir}/connector`,
    });
    await waitFor(
      "the connector to be ONLINE",
      async () => (await admin.status("connectors", connectorId)) === "ONLINE" || undefined,
      20_000,
      connector,
    );

    const tunnelerId = "demo-tunneler";
    const privateServiceAddr = options.resourceAddr ?? `127.0.0.1:${privatePort}`;
    say("allowlisting the tunneler and giving the connector its resource");
    await admin.request("PUT", `/api/admin/connectors/${connectorId}/resources`, {
      resources: [privateServiceAddr],
    });
    await admin.request("PUT", `/api/admin/connectors/${connectorId}/allowlist`, { tunnelers: [tunnelerId] });

    const forwardPort = pickPort(options.forwardPort ?? 18080);
    say("enrolling and starting the tunneler");
    const tunneler = await launch("tunneler", "tunneler", ["run"], {
      CONTROLLER_ADDR: grpcAddr,
      TUNNELER_ID: tunnelerId,
      CONTROLLER_CA_PATH: caPath,
      ENROLLMENT_TOKEN: await admin.createToken("tunneler", "demo tunneler", tunnelerId),
      CONNECTOR_ADDR: `${connectorId}@${connectorAddr}`,
      TUNNELER_FORWARDS: `127.0.0.1:${forwardPort}=${privateServiceAddr}`,
      TUNNELER_STATE_DIR: `${dir}/tunneler`,
    });
    await waitFor(
      "the tunneler to be ONLINE",
      async () => (await admin.status("tunnelers", tunnelerId)) === "ONLINE" || undefined,
      20_000,
      tunneler,
    );

    const uiPort = pickPort(options.uiPort ?? 3000);
    const uiPassword = randomSecret(9);
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    let ui: Child | undefined;
    if (options.ui ?? true) {
      say("starting the admin UI");
      ui = await launch("ui", "ui", [], {
        ADMIN_API_URL: adminUrl,
        ADMIN_AUTH_TOKEN: adminToken,
        UI_ADDR: `127.0.0.1:${uiPort}`,
        UI_ADMIN_PASSWORD: uiPassword,
        UI_CONTROLLER_ADDR: grpcAddr,
      });
      const uiChild = ui;
      await waitFor(
        "the UI to answer",
        async () => {
          const r = await fetch(`${uiUrl}/login`);
          await r.body?.cancel();
          return r.ok ? true : undefined;
        },
        20_000,
        uiChild,
      );
    }

    const forwardUrl = `http://127.0.0.1:${forwardPort}/`;
    if (!options.resourceAddr) {
      await waitFor(
        "the private service to answer through the tunnel",
        async () => {
          const r = await fetch(forwardUrl, { signal: AbortSignal.timeout(5_000) });
          const text = await r.text();
          return text === PRIVATE_GREETING ? true : undefined;
        },
        20_000,
        tunneler,
      );
    }

    const children = { controller, connector, tunneler, ui };
    const envFiles = await writeEnvFiles(
      dir,
      Object.fromEntries([...recipes].map(([name, r]) => [name, r.env])),
    );
    return {
      envFiles,
      dir,
      admin,
      uiUrl,
      uiPassword,
      grpcAddr,
      caPath,
      connectorId,
      connectorAddr,
      tunnelerId,
      forwardUrl,
      forwardPort,
      privateServiceAddr,
      children,
      stop: stopAll,
      restart: async (name) => {
        const recipe = recipes.get(name)!;
        const { ENROLLMENT_TOKEN: _used, ...env } = recipe.env;
        const child = await launch(name, recipe.program, recipe.args, env);
        children[name] = child;
        return child;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
