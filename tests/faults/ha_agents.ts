/**
 * Real agent processes on a group of controllers ({@link startHa}): every agent's CONTROLLER_ADDR
 * lists every controller, first controller 0, so they start on controller 0 and move on when it
 * fails. One connector (allowing tunneler t1 to reach a resource) and that tunneler.
 * @module
 */
import { type Ha, type HaController, startHa } from "../ha/_ha.ts";
import { waitFor } from "../support/wait_for.ts";
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { allowThrough, connectorEnv, reportedPort, tunnelerEnv } from "../agents/_cluster.ts";
import { echoServer } from "../agents/_fixture.ts";

/** The connector and tunneler of {@link haAgents}. */
export interface HaAgents {
  connector: RunningProgram;
  tunneler: RunningProgram;
  /** The tunneler's local forward port (to the resource). */
  fwdPort: number;
  /** CONTROLLER_ADDR of every agent. */
  controllerAddr: string;
  stop(): Promise<void>;
}

/** Lines of `p` that say its control-plane stream connected to `addr`. */
export function streamsTo(p: RunningProgram, addr: string): number {
  return p.lines.filter((l) =>
    l.includes("control-plane stream connected") && l.includes(`controller=${addr}`)
  )
    .length;
}

/** The status of agent `id` (`role` "connectors" or "tunnelers") in controller `c`'s admin API; undefined unless it answers. */
async function statusIn(c: HaController, role: string, id: string): Promise<string | undefined> {
  return (await c.admin("GET", `/api/admin/${role}/${id}`)).body?.status as string | undefined;
}

/**
 * Waits up to `timeoutMs` (polling every 200 ms) until controller `c` shows connector c1 and
 * tunneler t1 ONLINE; on a timeout the error (titled `what`) carries the connector's output.
 */
export async function waitForAgentsOnline(
  agents: HaAgents,
  c: HaController,
  what: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    what,
    async () =>
      (await statusIn(c, "connectors", "c1")) === "ONLINE" &&
        (await statusIn(c, "tunnelers", "t1")) === "ONLINE" ||
      undefined,
    timeoutMs,
    200,
    agents.connector,
  );
}

/**
 * Starts connector c1 and tunneler t1 (forwarding to `resource`) on `ha`, both enrolled through
 * controller 0 with one token each and connected; allowlist and resources set through controller 0.
 */
export async function haAgents(ha: Ha, resource: string): Promise<HaAgents> {
  const caPath = `${ha.dir}/controller-ca.pem`;
  await Deno.writeTextFile(caPath, ha.caCertPem);
  const controllerAddr = ha.controllers.map((c) => c.grpcAddr).join(",");
  const base = { grpcAddr: controllerAddr, caPath, dir: ha.dir };
  const running: RunningProgram[] = [];
  const stop = async () => {
    await Promise.all(running.map((p) => p.stop()));
  };
  try {
    const connector = startProgram("connector", {
      args: ["run"],
      env: { ...connectorEnv(base, "c1", 0), ENROLLMENT_TOKEN: await ha.token(0, "connector") },
    });
    running.push(connector);
    const listenPort = reportedPort(await connector.waitForLine("listening for tunnelers", 20_000));
    await connector.waitForLine("control-plane stream connected", 20_000);
    await allowThrough(ha.controllers[0]!, "c1", ["t1"], [resource]);
    await connector.waitForLine(/configuration applied.*resources=1/, 20_000);
    const fwdPort = freePort();
    const tunneler = startProgram("tunneler", {
      args: ["run"],
      env: {
        ...tunnelerEnv(base, "t1", `c1@127.0.0.1:${listenPort}`, `127.0.0.1:${fwdPort}=${resource}`),
        ENROLLMENT_TOKEN: await ha.token(0, "tunneler", "t1"),
      },
    });
    running.push(tunneler);
    await tunneler.waitForLine("control-plane stream connected", 20_000);
    return { connector, tunneler, fwdPort, controllerAddr, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What {@link startHaAgents} starts; disposing it stops the agents, the echo resource and the group. */
export interface HaAgentsRig extends AsyncDisposable {
  ha: Ha;
  /** The resource the tunneler forwards to (an echo server answering `bye` on end). */
  echo: { port: number };
  agents: HaAgents;
}

/**
 * Two controllers on three etcd members ({@link startHa}), an echo resource and {@link haAgents}
 * forwarding to it: the start of every HA fault with agents.
 */
export async function startHaAgents(): Promise<HaAgentsRig> {
  const ha = await startHa(2);
  let echo: Awaited<ReturnType<typeof echoServer>> | undefined;
  try {
    echo = await echoServer();
    const agents = await haAgents(ha, `127.0.0.1:${echo.port}`);
    const close = async () => {
      await agents.stop();
      await echo!.close();
      await ha.close();
    };
    return { ha, echo, agents, [Symbol.asyncDispose]: close };
  } catch (e) {
    await echo?.close();
    await ha.close();
    throw e;
  }
}
