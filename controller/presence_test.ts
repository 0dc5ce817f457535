import { openKvStore } from "./store/kv_store.ts";
import { put } from "./store/store.ts";
import { createLogger } from "../shared/log/logger.ts";
import { assertEquals, assertOk } from "../tests/support/assert.ts";
import { Presence } from "./presence.ts";
import { AgentStore, type RecordChange, UPDATE_BATCH } from "./registry/agents.ts";
import { EventLog } from "./registry/events.ts";
import type { AgentRecord } from "./registry/types.ts";
import { connectorRecord } from "./registry/testing.ts";
import { waitFor } from "../tests/support/wait_for.ts";

const quiet = createLogger({ write: () => {} });

/** Connector `id`, enrolled at `now` with an hour-long certificate. */
function record(id: string, now: number): AgentRecord {
  return connectorRecord(id, { enrolledAt: now, certExpiresAt: now + 3_600_000 });
}

/** Counts last_seen writes (records) and KV commits; `gate` can hold every write back. */
class CountingStore extends AgentStore {
  records = 0;
  commits = 0;
  gate: Promise<void> | undefined;
  override async updateMany(changes: RecordChange[]): Promise<number> {
    if (this.gate) await this.gate;
    this.records += changes.length;
    const n = await super.updateMany(changes);
    this.commits += n;
    return n;
  }
  override async update(
    ...a: Parameters<AgentStore["update"]>
  ): Promise<AgentRecord | undefined> {
    if (this.gate) await this.gate;
    return await super.update(...a);
  }
}

Deno.test("Presence goes ONLINE on a heartbeat, OFFLINE after offlineAfterMs, and writes KV at a bounded rate", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const agents = new CountingStore(kv, clock);
    const events = new EventLog(kv, clock);
    const r = record("c1", now);
    await put(kv, ["agents", "connector", "c1"], r);
    const p = new Presence({
      agents,
      events,
      log: quiet,
      offlineAfterMs: 1000,
      persistEveryMs: 5000,
      now: clock,
    });
    for (let i = 0; i < 20; i++) {
      p.seen("connector", "c1", { version: "2" });
      now += 100;
      await p.sweep();
    }
    assertEquals(p.view(r).status, "ONLINE");
    // 20 heartbeats over 2 s: one write (first sweep); the next is due after 3.75-5 s (jitter)
    assertEquals(agents.records, 1);
    now += 1000;
    await p.sweep();
    assertEquals(p.view(r).status, "OFFLINE");
    assertEquals(agents.records, 2); // transition persisted
    p.seen("connector", "c1");
    assertEquals(p.view(r).status, "ONLINE");
    // The transitions' events are appended in the background: wait for the third.
    const kinds = await waitFor(
      "three status events",
      async () => {
        const list = (await events.list()).map((e) => e.kind).reverse();
        return list.length >= 3 ? list : undefined;
      },
      2_000,
      5,
    );
    assertEquals(kinds, ["connector.online", "connector.offline", "connector.online"]);
    const stored = await agents.get("connector", "c1");
    assertEquals(stored?.version, "2");
    assertEquals(stored?.lastSeen, 1_000_000 + 1900);
  } finally {
    await kv.close();
  }
});

Deno.test("Presence: a slow KV does not delay OFFLINE detection", async () => {
  const kv = await openKvStore(":memory:");
  const events = new EventLog(kv);
  const agents = new CountingStore(kv);
  let release = () => {};
  agents.gate = new Promise<void>((r) => (release = r)); // every write hangs until released
  const offline: Array<{ agent: string; at: number }> = [];
  const unsubscribe = events.subscribe((e) => {
    if (e.kind === "connector.offline") offline.push({ agent: String(e.agent), at: Date.now() });
  });
  const p = new Presence({ agents, events, log: quiet, offlineAfterMs: 300, persistEveryMs: 100 });
  try {
    for (let i = 0; i < 200; i++) {
      await put(kv, ["agents", "connector", `c${i}`], record(`c${i}`, Date.now()));
    }
    p.start();
    for (let i = 0; i < 200; i++) p.seen("connector", `c${i}`);
    const silentSince = Date.now();
    // A sweep ran: its last_seen writes are stuck in KV.
    await waitFor(
      "a sweep's writes to wait on KV",
      () => Promise.resolve(p.pendingWrites > 0 || undefined),
      2_000,
      5,
    );
    assertEquals(agents.records, 0, "no write got through the gate");
    const deadline = Date.now() + 2000;
    while (offline.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assertEquals(offline.length, 200, "every agent goes OFFLINE while its last_seen write hangs");
    const late = Math.max(...offline.map((o) => o.at)) - silentSince;
    assertOk(late < 300 + 2 * 75 + 200, `OFFLINE detected ${late} ms after the last heartbeat`);
    assertEquals(p.view(record("c0", 0)).status, "OFFLINE");
    assertEquals(agents.commits, 0);
  } finally {
    release();
    await p.stop();
    unsubscribe();
    await kv.close();
  }
  // once KV answers, last_seen of everyone is written, in batches
  assertEquals(agents.records, 200);
});

Deno.test("Presence writes last_seen in batches, and jitter spreads agents that connected together", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const agents = new CountingStore(kv, clock);
    const events = new EventLog(kv, clock);
    const n = 1000;
    for (let i = 0; i < n; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) {
        batch.push({
          type: "set" as const,
          key: ["agents", "connector", `c${j}`],
          value: record(`c${j}`, now),
        });
      }
      await kv.commit([], batch);
    }
    const p = new Presence({
      agents,
      events,
      log: quiet,
      offlineAfterMs: 30_000,
      persistEveryMs: 60_000,
      now: clock,
    });
    for (let i = 0; i < n; i++) p.seen("connector", `c${i}`, { version: "9" });
    await p.sweep();
    assertEquals(agents.records, n);
    assertOk(agents.commits <= Math.ceil(n / UPDATE_BATCH), `${agents.commits} commits for ${n} agents`);
    const all = await agents.list("connector");
    assertOk(all.every((r) => r.lastSeen === 1_000_000 && r.version === "9"), "every record written");
    // Everyone heartbeats every 10 s for two persist intervals; count the writes per 1 s sweep.
    const perSweep: number[] = [];
    for (let t = 1; t <= 120; t++) {
      now += 1000;
      if (t % 10 === 0) { for (let i = 0; i < n; i++) p.seen("connector", `c${i}`); }
      const before = agents.records;
      await p.sweep();
      perSweep.push(agents.records - before);
    }
    const total = perSweep.reduce((a, b) => a + b, 0);
    assertOk(total >= n && total <= 3 * n, `${total} writes in 120 s (bounded: about 2 per agent)`);
    assertOk(Math.max(...perSweep) < n / 3, `writes bunch up: ${Math.max(...perSweep)} in one sweep`);
    assertEquals(p.pendingWrites, 0);
  } finally {
    await kv.close();
  }
});

Deno.test("Presence keeps the traffic an agent last reported, a report of 0 included", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const p = new Presence({
      agents: new AgentStore(kv),
      events: new EventLog(kv),
      log: quiet,
      offlineAfterMs: 1000,
    });
    const r = record("c1", Date.now());
    p.seen("connector", "c1", { activeSessions: 2, bytesIn: 300, bytesOut: 200 });
    assertEquals([p.view(r).live.activeSessions, p.view(r).live.bytesIn, p.view(r).live.bytesOut], [
      2,
      300,
      200,
    ]);
    p.seen("connector", "c1", { activeSessions: 0, bytesIn: 0, bytesOut: 0 }); // e.g. the agent restarted
    assertEquals([p.view(r).live.activeSessions, p.view(r).live.bytesIn, p.view(r).live.bytesOut], [0, 0, 0]);
    p.seen("connector", "c1", {}); // a heartbeat without counts keeps the last ones
    assertEquals(p.view(r).live.activeSessions, 0);
  } finally {
    await kv.close();
  }
});

Deno.test("Presence.lagging() names the ONLINE agents that do not report trusting a CA, silent ones included", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const p = new Presence({
      agents: new AgentStore(kv, clock),
      events: new EventLog(kv, clock),
      log: quiet,
      offlineAfterMs: 1000,
      now: clock,
    });
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    p.seen("connector", "c2", { trustedCaFingerprints: [a, b] });
    p.seen("connector", "c1", { trustedCaFingerprints: [a] });
    p.seen("tunneler", "t1", {}); // an older agent: reports nothing
    p.seen("tunneler", "t2", { trustedCaFingerprints: [a, b] });
    p.seen("tunneler", "t2", { trustedCaFingerprints: [] }); // an empty report keeps the last one
    assertEquals(p.lagging(b), [{ role: "connector", id: "c1" }, { role: "tunneler", id: "t1" }]);
    assertEquals(p.lagging(a), [{ role: "tunneler", id: "t1" }]);
    now += 1000;
    p.seen("tunneler", "t2", { trustedCaFingerprints: [a, b] });
    await p.sweep(); // c1, c2 and t1 go OFFLINE: only ONLINE agents can block an activation
    assertEquals(p.lagging(b), []);
  } finally {
    await kv.close();
  }
});

Deno.test("Presence logs going OFFLINE as [3.2] with failure_mode, counts it and puts it on the event; ONLINE has none", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const events = new EventLog(kv, clock);
    const r = record("c1", now);
    await put(kv, ["agents", "connector", "c1"], r);
    const lines: string[] = [];
    const counted: string[] = [];
    const p = new Presence({
      agents: new AgentStore(kv, clock),
      events,
      log: createLogger({ format: "json", write: (l) => lines.push(l) }),
      offlineAfterMs: 1000,
      now: clock,
      failure: (mode) => counted.push(mode),
    });
    p.seen("connector", "c1");
    await p.sweep();
    now += 1500;
    await p.sweep();
    await new Promise((r) => setTimeout(r, 10));
    assertEquals(counted, ["3.2"]);
    const offline = lines.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
    assertEquals([offline?.msg, offline?.failure_mode], [
      "[3.2] connector offline: no heartbeat for OFFLINE_AFTER",
      "3.2",
    ]);
    const byKind = Object.fromEntries((await events.list()).map((e) => [e.kind, e.failure_mode]));
    assertEquals(byKind, { "connector.online": undefined, "connector.offline": "3.2" });
  } finally {
    await kv.close();
  }
});

Deno.test("Presence.left: an agent that says goodbye is OFFLINE at once; its next heartbeat is ONLINE again", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const now = 1_000_000;
    const clock = () => now;
    const agents = new CountingStore(kv, clock);
    const r = record("c1", now);
    await put(kv, ["agents", "connector", "c1"], r);
    const p = new Presence({
      agents,
      events: new EventLog(kv, clock),
      log: quiet,
      offlineAfterMs: 60_000,
      persistEveryMs: 5000,
      now: clock,
    });
    p.seen("connector", "c1");
    assertEquals(p.view(r).status, "ONLINE");
    p.left("connector", "c1");
    assertEquals(p.view(r).status, "OFFLINE"); // no time passed: not OFFLINE_AFTER
    p.seen("connector", "c1");
    assertEquals(p.view(r).status, "ONLINE");
  } finally {
    await kv.close();
  }
});
