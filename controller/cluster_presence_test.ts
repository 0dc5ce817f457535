import assert from "node:assert/strict";
import { etcdTest, startEtcdCluster } from "../tests/support/etcd_cluster.ts";
import { waitFor } from "../tests/support/wait_for.ts";
import { createLogger } from "../shared/log/logger.ts";
import { ClusterPresence } from "./cluster_presence.ts";
import { Presence } from "./presence.ts";
import { AgentStore } from "./registry/agents.ts";
import { EventLog } from "./registry/events.ts";
import { connectorRecord } from "./registry/testing.ts";
import type { AgentRecord } from "./registry/types.ts";
import { Etcd3 } from "etcd3";
import { openEtcdStore } from "./store/etcd_store.ts";
import type { Store } from "./store/store.ts";

const quiet = createLogger({ write: () => {} });
const OFFLINE_AFTER = 1_000;

/** One controller's presence on its own client of a shared etcd store; commits counted. */
interface Node {
  store: Store;
  cluster: ClusterPresence;
  presence: Presence;
  commits: () => number;
}

async function node(
  endpoints: string[],
  events: string[],
  controllerId: string,
  offlineAfterMs = OFFLINE_AFTER,
): Promise<Node> {
  const store = await openEtcdStore({ endpoints, prefix: "/presence-test/", log: () => {} });
  let commits = 0;
  const commit = store.commit.bind(store);
  store.commit = (c, m) => (commits++, commit(c, m));
  const log = new EventLog(store);
  log.subscribe((e) => events.push(`${controllerId}:${e.kind}`));
  const cluster = await ClusterPresence.open({
    store,
    log: quiet,
    offlineAfterMs,
    controllerId,
  });
  const presence = new Presence({
    agents: new AgentStore(store),
    events: log,
    log: quiet,
    offlineAfterMs,
    cluster,
  });
  return { store, cluster, presence, commits: () => commits };
}

async function withTwo(fn: (a: Node, b: Node, events: string[]) => Promise<void>): Promise<void> {
  const etcd = await startEtcdCluster();
  const events: string[] = [];
  const a = await node(etcd.endpoints, events, "a");
  const b = await node(etcd.endpoints, events, "b");
  try {
    await fn(a, b, events);
  } finally {
    for (const n of [a, b]) {
      await n.presence.stop().catch(() => {});
      await n.store.close();
    }
    await etcd.close();
  }
}

/** Waits until `pred` holds (polled every 50 ms, at most `ms`). */
function until(what: string, pred: () => boolean | Promise<boolean>, ms = 5_000): Promise<true> {
  return waitFor(what, async () => (await pred()) || undefined, ms, 50);
}

/** A crashes (no lease revoke, its client gone): waits until B finds c1 orphaned. */
async function crash(a: Node, b: Node): Promise<void> {
  a.cluster.abandon();
  await a.store.close();
  await until("A's lease vanishes", () => b.cluster.orphaned("connector", "c1"));
}

const c1: AgentRecord = connectorRecord("c1", {
  enrolledAt: Date.now(),
  certExpiresAt: Date.now() + 3_600_000,
});

etcdTest("ClusterPresence: heartbeats write nothing; the agent on A is ONLINE in B's view", async () => {
  await withTwo(async (a, b, events) => {
    const before = a.commits();
    a.presence.seen("connector", "c1");
    await until("c1 ONLINE in B", () => b.presence.view(c1).status === "ONLINE");
    // Connecting writes the ownership key and the ONLINE event; heartbeats write nothing.
    await until("the connect writes", () => a.commits() - before === 2);
    for (let i = 0; i < 200; i++) a.presence.seen("connector", "c1");
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(a.commits() - before, 2, "200 heartbeats wrote nothing more");
    assert.deepEqual(b.commits(), 1, "B wrote only its own liveness key");
    assert.deepEqual(a.cluster.writes, 2, "the liveness key and one ownership key");
    assert.deepEqual(events, ["a:connector.online"]);
  });
});

etcdTest("ClusterPresence: moving from A to B is not a flap (no OFFLINE, no second ONLINE)", async () => {
  await withTwo(async (a, b, events) => {
    a.presence.seen("connector", "c1");
    await until("c1 ONLINE in B", () => b.presence.view(c1).status === "ONLINE");
    b.presence.seen("connector", "c1");
    await until("A sees B hold c1", () => a.cluster.heldElsewhere("connector", "c1"));
    // A hears nothing more: after OFFLINE_AFTER its sweep lets go of the agent silently.
    const end = Date.now() + OFFLINE_AFTER + 200;
    while (Date.now() < end) {
      b.presence.seen("connector", "c1");
      await a.presence.sweep();
      await b.presence.sweep();
      await new Promise((r) => setTimeout(r, 100));
    }
    await until("A lets go of c1", () => !b.cluster.heldElsewhere("connector", "c1"));
    assert.deepEqual(a.presence.view(c1).status, "ONLINE");
    assert.deepEqual(events, ["a:connector.online"]);
  });
});

etcdTest(
  "ClusterPresence: A crashes; its agent is ONLINE in B until OFFLINE_AFTER, then one OFFLINE",
  async () => {
    await withTwo(async (a, b, events) => {
      a.presence.seen("connector", "c1");
      await until("c1 ONLINE in B", () => b.presence.view(c1).status === "ONLINE");
      await crash(a, b);
      const orphanedAt = Date.now();
      assert.deepEqual(b.presence.view(c1).status, "ONLINE");
      await until(
        "c1 OFFLINE in B",
        async () => (await b.presence.sweep(), b.presence.view(c1).status === "OFFLINE"),
      );
      const after = Date.now() - orphanedAt;
      assert.ok(after >= OFFLINE_AFTER - 50, `OFFLINE ${after} ms after the lease vanished`);
      await until("the OFFLINE event", () => events.length === 2);
      assert.deepEqual(events, ["a:connector.online", "b:connector.offline"]);
    });
  },
);

etcdTest(
  "ClusterPresence: an agent that reconnects to B within OFFLINE_AFTER of A's crash never flaps",
  async () => {
    await withTwo(async (a, b, events) => {
      a.presence.seen("connector", "c1");
      await until("c1 ONLINE in B", () => b.presence.view(c1).status === "ONLINE");
      await crash(a, b);
      b.presence.seen("connector", "c1");
      const end = Date.now() + OFFLINE_AFTER + 200;
      while (Date.now() < end) {
        b.presence.seen("connector", "c1");
        await b.presence.sweep();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(b.presence.view(c1).status, "ONLINE");
      assert.deepEqual(events, ["a:connector.online"]);
    });
  },
);

etcdTest(
  "ClusterPresence: a watch that missed a crash (member down, history compacted) re-reads and orphans",
  async () => {
    const etcd = await startEtcdCluster({ members: 3 });
    const events: string[] = [];
    // B talks to member 0 only, A to member 1 only.
    const b = await node([etcd.endpoints[0]!], events, "b", 2_000);
    const a = await node([etcd.endpoints[1]!], events, "a", 2_000);
    const raw = new Etcd3({ hosts: [`http://${etcd.endpoints[1]}`] });
    try {
      a.presence.seen("connector", "c1");
      await until("c1 ONLINE in B", () => b.presence.view(c1).status === "ONLINE");
      await etcd.stop(0);
      a.cluster.abandon();
      await a.store.close();
      await until(
        "A's keys vanish with its lease",
        async () => (await raw.get("/presence-test/presence/controllers/a").string()) === null,
        10_000,
      );
      const head = (await raw.get("/presence-test/x").exec()).header.revision;
      await raw.kv.compact({ revision: head, physical: true });
      await etcd.restart(0);
      await until("B re-reads and finds c1 orphaned", () => b.cluster.orphaned("connector", "c1"), 15_000);
      await until(
        "c1 OFFLINE in B",
        async () => (await b.presence.sweep(), b.presence.view(c1).status === "OFFLINE"),
      );
      await until("the OFFLINE event", () => events.length === 2);
      assert.deepEqual(events, ["a:connector.online", "b:connector.offline"]);
    } finally {
      raw.close();
      await b.presence.stop().catch(() => {});
      await b.store.close();
      await etcd.close();
    }
  },
);

etcdTest(
  "ClusterPresence: the ownership key carries the trusted CAs, rewritten only when they change",
  async () => {
    await withTwo(async (a, b) => {
      const [fp1, fp2] = ["1".repeat(64), "2".repeat(64)];
      a.presence.seen("connector", "c1", { trustedCaFingerprints: [fp1] });
      await until(
        "B sees c1 trust fp1",
        () => b.presence.lagging(fp1).length === 0 && b.cluster.heldElsewhere("connector", "c1"),
      );
      assert.deepEqual(b.presence.lagging(fp2), [{ role: "connector", id: "c1" }]);
      assert.deepEqual(b.presence.onlineCount("connector"), 1, "the agent on A counts in B's gauge");
      assert.deepEqual(b.presence.onlineCount("tunneler"), 0);
      for (let i = 0; i < 50; i++) {
        a.presence.seen("connector", "c1", { trustedCaFingerprints: [fp1] });
      }
      assert.deepEqual(
        a.cluster.writes,
        2,
        "the liveness key and one ownership key: heartbeats wrote nothing",
      );
      a.presence.seen("connector", "c1", { trustedCaFingerprints: [fp2, fp1] });
      await until("B sees c1 trust fp2", () => b.presence.lagging(fp2).length === 0);
      for (let i = 0; i < 50; i++) a.presence.seen("connector", "c1", { trustedCaFingerprints: [fp1, fp2] });
      assert.deepEqual(a.cluster.writes, 3, "one more write for the changed set, none for its reordering");
      // A crashes: in its grace the orphaned agent keeps its last trusted set in B's view.
      await crash(a, b);
      assert.deepEqual(b.presence.lagging(fp2), []);
      assert.deepEqual(b.presence.lagging("3".repeat(64)), [{ role: "connector", id: "c1" }]);
      assert.deepEqual(b.presence.onlineCount("connector"), 1);
    });
  },
);
