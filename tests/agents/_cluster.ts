/**
 * Test helpers for real-process scenarios: a controller on loopback with its admin API, and
 * connector/tunneler processes wired to it. Every program is a real `deno run` process.
 */
import net from "node:net";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { prepareController } from "../support/controller.ts";
import { createCa } from "../../shared/pki/ca.ts";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "./_fixture.ts";

/** A running controller and what a test needs to drive it. */
export interface Cluster {
  dir: string;
  caCert: string;
  caKey: string;
  grpcAddr: string;
  adminUrl: string;
  /** The controller's ADMIN_AUTH_TOKEN. */
  adminToken: string;
  controller: RunningProgram;
  /** Every process started through this cluster (stopped by close()). */
  running: RunningProgram[];
  /** Calls the admin API; the body is parsed JSON (undefined when empty). */
  // deno-lint-ignore no-explicit-any
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A new enrollment token for `role`, bound to agent `id` when given. */
  token(role: "connector" | "tunneler", id?: string): Promise<string>;
  /** Env of connector `id` (listening on `listenPort`). */
  connectorEnv(id: string, listenPort: number, extra?: Record<string, string>): Record<string, string>;
  /** Env of tunneler `id` dialing connector `connectorId` (default "c1") at 127.0.0.1:`connectorPort`. */
  tunnelerEnv(
    id: string,
    connectorPort: number,
    forwards: string,
    extra?: Record<string, string>,
    connectorId?: string,
  ): Record<string, string>;
  /**
   * Starts connector `id` (`run`, listening on `listenPort`, plus `extra` env) with `token` (default
   * a new unbound connector token) and waits until its control-plane stream is connected.
   */
  runConnector(
    id: string,
    listenPort: number,
    extra?: Record<string, string>,
    token?: string,
  ): Promise<RunningProgram>;
  /**
   * Starts tunneler `id` (`run`, as {@link Cluster.tunnelerEnv} has it) with a new token bound to
   * `id` and waits until its control-plane stream is connected.
   */
  runTunneler(
    id: string,
    connectorPort: number,
    forwards: string,
    extra?: Record<string, string>,
    connectorId?: string,
  ): Promise<RunningProgram>;
  /** Starts a program and registers it for close(). */
  start(program: "connector" | "tunneler", args: string[], env: Record<string, string>): RunningProgram;
  /** Stops the controller (SIGTERM); resolves with its exit code. */
  stopController(): Promise<number>;
  /** Starts the controller again with the same state dir and CA (plus `extra` env); waits for /readyz. */
  startController(extra?: Record<string, string>): Promise<void>;
  /** Status of an agent in the registry (undefined when 404). */
  status(role: "connectors" | "tunnelers", id: string): Promise<string | undefined>;
  /** Waits up to `timeoutMs` (default 15 s, as {@link waitFor}) until the registry lists the agent as `status`. */
  waitForStatus(
    role: "connectors" | "tunnelers",
    id: string,
    status: string,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Where test agents find their controller and keep their state. */
export interface AgentBase {
  /** CONTROLLER_ADDR. */
  grpcAddr: string;
  /** CONTROLLER_CA_PATH. */
  caPath: string;
  /** The folder holding each agent's state directory (`connector-<id>`, `tunneler-<id>`). */
  dir: string;
}

/** The environment of test connector `id` on loopback, listening on 127.0.0.1:`listenPort`. */
export function connectorEnv(base: AgentBase, id: string, listenPort: number): Record<string, string> {
  return {
    CONTROLLER_ADDR: base.grpcAddr,
    CONNECTOR_ID: id,
    CONTROLLER_CA_PATH: base.caPath,
    CONNECTOR_PRIVATE_IP: "127.0.0.1",
    CONNECTOR_LISTEN_ADDR: `127.0.0.1:${listenPort}`,
    CONNECTOR_STATE_DIR: `${base.dir}/connector-${id}`,
  };
}

/** The environment of test tunneler `id` dialing `connectorAddr` (`id@ip:port[,…]`) with `forwards`. */
export function tunnelerEnv(
  base: AgentBase,
  id: string,
  connectorAddr: string,
  forwards: string,
): Record<string, string> {
  return {
    CONTROLLER_ADDR: base.grpcAddr,
    TUNNELER_ID: id,
    CONTROLLER_CA_PATH: base.caPath,
    CONNECTOR_ADDR: connectorAddr,
    TUNNELER_FORWARDS: forwards,
    TUNNELER_STATE_DIR: `${base.dir}/tunneler-${id}`,
  };
}

/** Starts a controller in `dir` (HEARTBEAT_INTERVAL=1s, OFFLINE_AFTER=3s unless `env` overrides). */
export async function startCluster(dir: string, env: Record<string, string> = {}): Promise<Cluster> {
  const tc = await prepareController(dir, env);
  const { caCert: certPath, grpcAddr } = tc;
  const running: RunningProgram[] = [];
  const boot = async (extra: Record<string, string> = {}) => {
    const p = await tc.start(extra);
    running.push(p);
    return p;
  };
  const cluster: Cluster = {
    dir,
    caCert: certPath,
    caKey: tc.caKey,
    grpcAddr,
    adminUrl: tc.adminUrl,
    adminToken: tc.adminToken,
    controller: await boot(),
    running,
    admin: tc.admin,
    async token(role, id) {
      const r = await cluster.admin("POST", "/api/admin/tokens", {
        role,
        ...(id === undefined ? {} : { id }),
      });
      if (r.status !== 201 && r.status !== 200) {
        throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
      }
      return r.body.token as string;
    },
    connectorEnv(id, listenPort, extra = {}) {
      return { ...connectorEnv({ grpcAddr, caPath: certPath, dir }, id, listenPort), ...extra };
    },
    tunnelerEnv(id, connectorPort, forwards, extra = {}, connectorId = "c1") {
      return {
        ...tunnelerEnv(
          { grpcAddr, caPath: certPath, dir },
          id,
          `${connectorId}@127.0.0.1:${connectorPort}`,
          forwards,
        ),
        ...extra,
      };
    },
    async runConnector(id, listenPort, extra = {}, token) {
      const p = cluster.start("connector", ["run"], {
        ...cluster.connectorEnv(id, listenPort, extra),
        ENROLLMENT_TOKEN: token ?? await cluster.token("connector"),
      });
      await p.waitForLine("control-plane stream connected", 20_000);
      return p;
    },
    async runTunneler(id, connectorPort, forwards, extra = {}, connectorId = "c1") {
      const p = cluster.start("tunneler", ["run"], {
        ...cluster.tunnelerEnv(id, connectorPort, forwards, extra, connectorId),
        ENROLLMENT_TOKEN: await cluster.token("tunneler", id),
      });
      await p.waitForLine("control-plane stream connected", 20_000);
      return p;
    },
    start(program, args, env) {
      const p = startProgram(program, { args, env });
      running.push(p);
      return p;
    },
    stopController() {
      return cluster.controller.stop();
    },
    async startController(extra = {}) {
      cluster.controller = await boot(extra);
    },
    async status(role, id) {
      const r = await cluster.admin("GET", `/api/admin/${role}/${id}`);
      return r.status === 200 ? r.body.status as string : undefined;
    },
    async waitForStatus(role, id, status, timeoutMs) {
      await waitFor(
        `${id} ${status}`,
        async () => (await cluster.status(role, id)) === status || undefined,
        timeoutMs,
      );
    },
    async close() {
      await Promise.all([...running].reverse().map((p) => p.stop()));
    },
  };
  return cluster;
}

/** What {@link clusterWithEcho} starts; disposing it stops the cluster and the echo resource and removes the directory. */
export interface EchoCluster extends AsyncDisposable {
  c: Cluster;
  /** The cluster's temporary directory. */
  dir: string;
  /** A TCP echo resource on loopback (answers `bye` on end). */
  echo: { port: number };
}

/**
 * The start of most agent scenarios in one line: a controller ({@link startCluster} with `env`) in
 * a new temporary directory and an echo resource for the agents to reach.
 */
export async function clusterWithEcho(env: Record<string, string> = {}): Promise<EchoCluster> {
  const dir = await tempDir();
  const echo = await echoServer();
  let c: Cluster;
  try {
    c = await startCluster(dir.path, env);
  } catch (e) {
    await echo.close();
    await dir[Symbol.asyncDispose]();
    throw e;
  }
  const close = async () => {
    await c.close();
    await echo.close();
    await dir[Symbol.asyncDispose]();
  };
  return { c, dir: dir.path, echo, [Symbol.asyncDispose]: close };
}

/** Anything with an admin API client: a {@link Cluster}, a controller of `tests/ha/_ha.ts`. */
export type AdminCaller = Pick<Cluster, "admin">;

/** `PUT path body` on the admin API; throws (naming the path, status and body) unless 200. */
export async function put(c: AdminCaller, path: string, body: unknown): Promise<void> {
  const r = await c.admin("PUT", path, body);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Lets `tunnelers` reach `resources` through connector `id`: its allowlist and resources lists. */
export async function allowThrough(
  c: AdminCaller,
  id: string,
  tunnelers: readonly string[],
  resources: readonly string[],
): Promise<void> {
  await put(c, `/api/admin/connectors/${id}/allowlist`, { tunnelers });
  await put(c, `/api/admin/connectors/${id}/resources`, { resources });
}

/**
 * Starts connector `id` and waits until it listens for tunnelers and its control stream is
 * connected. By default it enrolls and is told to let `tunnelers` (default ["t1"]) reach
 * `resource`; with `enroll: false` it runs on its stored identity and is told nothing.
 * Listens on `port` (default 0: it binds a free port and logs it, no bind-close-reuse race).
 * Resolves with the process and the port it listens on.
 */
export async function servingConnector(
  c: Cluster,
  id: string,
  resource: string,
  opts: { tunnelers?: readonly string[]; port?: number; enroll?: boolean; env?: Record<string, string> } = {},
): Promise<{ p: RunningProgram; port: number }> {
  const enroll = opts.enroll ?? true;
  const p = c.start("connector", ["run"], {
    ...c.connectorEnv(id, opts.port ?? 0, opts.env),
    ...(enroll ? { ENROLLMENT_TOKEN: await c.token("connector") } : {}),
  });
  const port = reportedPort(await p.waitForLine("listening for tunnelers", 20_000));
  await p.waitForLine("control-plane stream connected", 20_000);
  if (enroll) {
    await allowThrough(c, id, opts.tunnelers ?? ["t1"], [resource]);
  }
  return { p, port };
}

/**
 * A connector (allowing `tunnelerId` to reach `resource`) and a tunneler forwarding a local
 * port to `resource`, both enrolled and connected. Returns the processes and the forward port.
 */
export async function connectorAndTunneler(
  c: Cluster,
  resource: string,
  opts: { connectorId?: string; tunnelerId?: string; connectorEnv?: Record<string, string> } = {},
): Promise<{ connector: RunningProgram; tunneler: RunningProgram; fwdPort: number; listenPort: number }> {
  const cid = opts.connectorId ?? "c1";
  const tid = opts.tunnelerId ?? "t1";
  const { p: connector, port: listenPort } = await servingConnector(c, cid, resource, {
    tunnelers: [tid],
    ...(opts.connectorEnv ? { env: opts.connectorEnv } : {}),
  });
  const fwdPort = freePort();
  const tunneler = await c.runTunneler(tid, listenPort, `127.0.0.1:${fwdPort}=${resource}`, {}, cid);
  return { connector, tunneler, fwdPort, listenPort };
}

/**
 * Prepares a new CA ("Next CA") through `POST /api/admin/ca/rotate/prepare` (fails unless 200);
 * resolves with its fingerprint and that of the first CA in force before, the one it will replace.
 */
export async function prepareNextCa(c: Cluster): Promise<{ previous: string; next: string }> {
  const previous = (await c.admin("GET", "/api/admin/ca")).body.cas[0].fingerprint as string;
  const next = await createCa({ commonName: "Next CA" });
  const r = await c.admin("POST", "/api/admin/ca/rotate/prepare", {
    cert_pem: next.certPem,
    key_pem: next.keyPem,
  });
  if (r.status !== 200) throw new Error(`ca prepare: ${r.status} ${JSON.stringify(r.body)}`);
  return { previous, next: next.ca.fingerprint };
}

/** The port in a connector's "listening for tunnelers" line (text or JSON log). */
export function reportedPort(line: string): number {
  const port = Number(/addr\W+[^\s"]*:(\d+)/.exec(line)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no listening port in the line: ${line}`);
  return port;
}

/**
 * A TCP sink on loopback that counts the bytes it receives; when a client half-closes, it
 * answers with that connection's count (decimal) and ends.
 */
export async function countingSink(): Promise<{
  port: number;
  received: () => number;
  close(): Promise<void>;
}> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    let mine = 0;
    s.on("data", (c: Uint8Array) => {
      received += c.length;
      mine += c.length;
    });
    s.on("end", () => s.end(String(mine)));
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
