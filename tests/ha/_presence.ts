/**
 * Presence across controllers, seen through their admin APIs: a real connector process streaming
 * from a group of {@link startHa} controllers, its status and its ONLINE/OFFLINE trail.
 * @module
 */
import { type RunningProgram, startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";
import { CONNECTOR_IP, type Ha, type HaController } from "./_ha.ts";

/** Starts connector `id` enrolled through controller 0, streaming from the controllers `addrs` in turn. */
export async function startConnector(ha: Ha, id: string, addrs: string[]): Promise<RunningProgram> {
  const connector = startProgram("connector", {
    args: ["run"],
    env: {
      CONTROLLER_ADDR: addrs.join(","),
      CONTROLLER_CA_PATH: `${ha.dir}/shared-ca/ca.crt`,
      CONNECTOR_ID: id,
      CONNECTOR_PRIVATE_IP: CONNECTOR_IP,
      CONNECTOR_LISTEN_ADDR: `${CONNECTOR_IP}:0`,
      CONNECTOR_STATE_DIR: `${ha.dir}/connector-${id}`,
      ENROLLMENT_TOKEN: await ha.token(0, "connector", id),
    },
  });
  await connector.waitForLine(`control-plane stream connected`, 20_000);
  return connector;
}

/** The connector's status in controller `c`'s admin API. */
export async function statusIn(c: HaController, id: string): Promise<string> {
  const res = await c.admin("GET", `/api/admin/connectors/${id}`);
  if (res.status !== 200) throw new Error(`connector ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.status;
}

/** Waits until controller `c` shows the connector `want`. */
export function waitForStatus(c: HaController, id: string, want: string, timeoutMs = 20_000): Promise<true> {
  return waitFor(
    `connector ${id} ${want} in ${c.adminUrl}`,
    async () => (await statusIn(c, id)) === want || undefined,
    timeoutMs,
    100,
  );
}

/** The connector's ONLINE/OFFLINE events in the trail, oldest first, as `kind` or `kind(reason)`. */
export async function statusTrail(c: HaController, id: string): Promise<string[]> {
  const res = await c.admin("GET", `/api/admin/events?agent=${id}`);
  if (res.status !== 200) throw new Error(`events: ${res.status} ${JSON.stringify(res.body)}`);
  const events = res.body.events as { kind: string; reason?: string; id: string }[];
  return events.filter((e) => /^connector\.(online|offline)$/.test(e.kind))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => e.reason ? `${e.kind}(${e.reason})` : e.kind);
}

/**
 * Connector c1 enrolled through controller 0 of `ha` (two or more controllers) and streaming
 * from controller 1: the start of the scenarios where a change through one controller must reach
 * an agent held by the other.
 */
export async function connectorOnTheOther(
  ha: Ha,
): Promise<{ c0: HaController; c1: HaController; connector: RunningProgram }> {
  const [c0, c1] = [ha.controllers[0]!, ha.controllers[1]!];
  return { c0, c1, connector: await startConnector(ha, "c1", [c1.grpcAddr]) };
}
