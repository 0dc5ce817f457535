/**
 * etcd's write budget of presence: `controllers` controllers (the real Presence and
 * ClusterPresence, each on its own etcd client) share a three-member etcd cluster on loopback;
 * `agents` simulated connectors, spread over them, heartbeat every `heartbeatMs`. The bench
 * counts etcd revisions (every write is one) while the agents connect, then over `seconds` of
 * heartbeats, and prints writes per second, overall and per agent.
 *
 * Run: `deno run -A bench/etcd_write_budget.ts [--agents 200] [--seconds 60] [--json]`
 *
 * What it leaves out: gRPC and TLS (heartbeats are handed to Presence as the control plane hands
 * them), so the figure is the store's write rate, not the controller's CPU.
 * @module
 */
import { parseArgs } from "node:util";
import { Etcd3 } from "etcd3";
import { ClusterPresence } from "../controller/cluster_presence.ts";
import { Presence } from "../controller/presence.ts";
import { AgentStore } from "../controller/registry/agents.ts";
import { EventLog } from "../controller/registry/events.ts";
import { connectorRecord } from "../controller/registry/testing.ts";
import { openEtcdStore } from "../controller/store/etcd_store.ts";
import { put, type Store } from "../controller/store/store.ts";
import { createLogger } from "../shared/log/logger.ts";
import { startEtcdCluster } from "../tests/support/etcd_cluster.ts";

/** Parameters of {@link measureWriteBudget}. */
export interface BudgetOptions {
  /** Simulated connectors; default 200. */
  agents?: number;
  /** Controllers sharing the cluster; default 2. */
  controllers?: number;
  /** Seconds of heartbeats measured; default 60. */
  seconds?: number;
  /** Heartbeat interval; default 1000 ms. */
  heartbeatMs?: number;
  /** OFFLINE_AFTER; default 30 s. */
  offlineAfterMs?: number;
}

/** What {@link measureWriteBudget} measured. */
export interface BudgetResult {
  agents: number;
  controllers: number;
  seconds: number;
  /** Revisions while every agent connected (ownership keys, ONLINE events, first last_seen). */
  connectRevisions: number;
  /** Revisions over `seconds` of heartbeats. */
  steadyRevisions: number;
  writesPerSecond: number;
  writesPerSecondPerAgent: number;
}

const PREFIX = "/budget/";

/** Runs the measurement on its own etcd cluster. */
export async function measureWriteBudget(o: BudgetOptions = {}): Promise<BudgetResult> {
  const agents = o.agents ?? 200;
  const count = o.controllers ?? 2;
  const seconds = o.seconds ?? 60;
  const heartbeatMs = o.heartbeatMs ?? 1000;
  const offlineAfterMs = o.offlineAfterMs ?? 30_000;
  const etcd = await startEtcdCluster({ members: 3 });
  const raw = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
  const quiet = createLogger({ write: () => {} });
  const nodes: { store: Store; presence: Presence }[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const store = await openEtcdStore({ endpoints: etcd.endpoints, prefix: PREFIX, log: () => {} });
      const cluster = await ClusterPresence.open({
        store,
        log: quiet,
        offlineAfterMs,
        controllerId: `c${i}`,
      });
      const presence = new Presence({
        agents: new AgentStore(store),
        events: new EventLog(store),
        log: quiet,
        offlineAfterMs,
        cluster,
      });
      nodes.push({ store, presence });
    }
    const now = Date.now();
    for (let i = 0; i < agents; i++) {
      await put(
        nodes[0]!.store,
        ["agents", "connector", `a${i}`],
        connectorRecord(`a${i}`, { enrolledAt: now, certExpiresAt: now + 3_600_000 }),
      );
    }
    const revision = async () => Number((await raw.get(`${PREFIX}none`).exec()).header.revision);
    const beat = () => {
      for (let i = 0; i < agents; i++) {
        nodes[i % count]!.presence.seen("connector", `a${i}`, { version: "bench" });
      }
    };
    for (const n of nodes) n.presence.start();
    const before = await revision();
    beat();
    // The connect writes settle within a few sweeps (each sweep is at most a second).
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, heartbeatMs));
      beat();
    }
    const start = await revision();
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, heartbeatMs));
      beat();
    }
    const end = await revision();
    const steady = end - start;
    return {
      agents,
      controllers: count,
      seconds,
      connectRevisions: start - before,
      steadyRevisions: steady,
      writesPerSecond: steady / seconds,
      writesPerSecondPerAgent: steady / seconds / agents,
    };
  } finally {
    for (const n of nodes) {
      await n.presence.stop().catch(() => {});
      await n.store.close();
    }
    raw.close();
    await etcd.close();
  }
}

/** One line of figures. */
export function formatBudget(r: BudgetResult): string {
  return `${r.agents} agents on ${r.controllers} controllers: connect ${r.connectRevisions} writes; ${r.seconds} s of heartbeats ${r.steadyRevisions} writes (${
    r.writesPerSecond.toFixed(2)
  }/s, ${r.writesPerSecondPerAgent.toFixed(4)}/s per agent)`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { agents: { type: "string" }, seconds: { type: "string" }, json: { type: "boolean" } },
  });
  const r = await measureWriteBudget({
    ...(values.agents ? { agents: Number(values.agents) } : {}),
    ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
  });
  console.log(values.json ? JSON.stringify(r) : formatBudget(r));
}
