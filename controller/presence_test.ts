import { openKvStore } from "./store/kv_store.ts";
import { put, type Store } from "./store/store.ts";
import { createLogger } from "../shared/log/logger.ts";
import assert from "node:assert/strict";
import { Presence, type PresenceOptions } from "./presence.ts";
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

/** What {@link withPresence} hands a test: an in-memory KV, its stores and a hand-moved clock. */
interface PresenceRig {
  kv: Store;
  /** The clock, from 1 000 000 ms; a test moves it with `t.now += ms`. */
  now: number;
  clock: () => number;
  agents: CountingStore;
  events: EventLog;
  /** A Presence over these stores and clock, quiet, with `o` on top. */
  presence(o: Partial<PresenceOptions> & { offlineAfterMs: number }): Presence;
}

/** Runs `fn` with a fresh {@link PresenceRig} and closes its KV after. */
async function withPresence(fn: (t: PresenceRig) => void | Promise<void>): Promise<void> {
  const kv = await openKvStore(":memory:");
  const t: PresenceRig = {
    kv,
    now: 1_000_000,
    clock: () => t.now,
    agents: undefined as unknown as CountingStore,
    events: undefined as unknown as EventLog,
    presence: (o) => new Presence({ agents: t.agents, events: t.events, log: quiet, now: t.clock, ...o }),
  };
  t.agents = new CountingStore(kv, t.clock);
  t.events = new EventLog(kv, t.clock);
  try {
    await fn(t);
  } finally {
    await kv.close();
  }
}

Deno.test("Presence goes ONLINE on a heartbeat, OFFLINE after offlineAfterMs, and writes KV at a bounded rate", async () => {
  await withPresence(async (t) => {
    const { agents, events } = t;
    const r = record("c1", t.now);
    await put(t.kv, ["agents", "connector", "c1"], r);
    const p = t.presence({ offlineAfterMs: 1000, persistEveryMs: 5000 });
    for (let i = 0; i < 20; i++) {
      p.seen("connector", "c1", { version: "2" });
      t.now += 100;
      await p.sweep();
    }
    assert.deepEqual(p.view(r).status, "ONLINE");
    // 20 heartbeats over 2 s: one write (first sweep); the next is due after 3.75-5 s (jitter)
    assert.deepEqual(agents.records, 1);
    t.now += 1000;
    await p.sweep();
    assert.deepEqual(p.view(r).status, "OFFLINE");
    assert.deepEqual(agents.records, 2); // transition persisted
    p.seen("connector", "c1");
    assert.deepEqual(p.view(r).status, "ONLINE");
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
    assert.deepEqual(kinds, ["connector.online", "connector.offline", "connector.online"]);
    const stored = await agents.get("connector", "c1");
    assert.deepEqual(stored?.version, "2");
    assert.deepEqual(stored?.lastSeen, 1_000_000 + 1900);
  });
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
    assert.deepEqual(agents.records, 0, "no write got through the gate");
    const deadline = Date.now() + 2000;
    while (offline.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(offline.length, 200, "every agent goes OFFLINE while its last_seen write hangs");
    const late = Math.max(...offline.map((o) => o.at)) - silentSince;
    assert.ok(late < 300 + 2 * 75 + 200, `OFFLINE detected ${late} ms after the last heartbeat`);
    assert.deepEqual(p.view(record("c0", 0)).status, "OFFLINE");
    assert.deepEqual(agents.commits, 0);
  } finally {
    release();
    await p.stop();
    unsubscribe();
    await kv.close();
  }
  // once KV answers, last_seen of everyone is written, in batches
  assert.deepEqual(agents.records, 200);
});

Deno.test("Presence writes last_seen in batches, and jitter spreads agents that connected together", async () => {
  await withPresence(async (t) => {
    const { kv, agents } = t;
    const n = 1000;
    for (let i = 0; i < n; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) {
        batch.push({
          type: "set" as const,
          key: ["agents", "connector", `c${j}`],
          value: record(`c${j}`, t.now),
        });
      }
      await kv.commit([], batch);
    }
    const p = t.presence({ offlineAfterMs: 30_000, persistEveryMs: 60_000 });
    for (let i = 0; i < n; i++) p.seen("connector", `c${i}`, { version: "9" });
    await p.sweep();
    assert.deepEqual(agents.records, n);
    assert.ok(agents.commits <= Math.ceil(n / UPDATE_BATCH), `${agents.commits} commits for ${n} agents`);
    const all = await agents.list("connector");
    assert.ok(all.every((r) => r.lastSeen === 1_000_000 && r.version === "9"), "every record written");
    // Everyone heartbeats every 10 s for two persist intervals; count the writes per 1 s sweep.
    const perSweep: number[] = [];
    for (let sec = 1; sec <= 120; sec++) {
      t.now += 1000;
      if (sec % 10 === 0) { for (let i = 0; i < n; i++) p.seen("connector", `c${i}`); }
      const before = agents.records;
      await p.sweep();
      perSweep.push(agents.records - before);
    }
    const total = perSweep.reduce((a, b) => a + b, 0);
    assert.ok(total >= n && total <= 3 * n, `${total} writes in 120 s (bounded: about 2 per agent)`);
    assert.ok(Math.max(...perSweep) < n / 3, `writes bunch up: ${Math.max(...perSweep)} in one sweep`);
    assert.deepEqual(p.pendingWrites, 0);
  });
});

Deno.test("Presence keeps the traffic an agent last reported, a report of 0 included", async () => {
  await withPresence((t) => {
    const p = t.presence({ offlineAfterMs: 1000 });
    const r = record("c1", t.now);
    p.seen("connector", "c1", { activeSessions: 2, bytesIn: 300, bytesOut: 200 });
    assert.deepEqual([p.view(r).live.activeSessions, p.view(r).live.bytesIn, p.view(r).live.bytesOut], [
      2,
      300,
      200,
    ]);
    p.seen("connector", "c1", { activeSessions: 0, bytesIn: 0, bytesOut: 0 }); // e.g. the agent restarted
    assert.deepEqual([p.view(r).live.activeSessions, p.view(r).live.bytesIn, p.view(r).live.bytesOut], [
      0,
      0,
      0,
    ]);
    p.seen("connector", "c1", {}); // a heartbeat without counts keeps the last ones
    assert.deepEqual(p.view(r).live.activeSessions, 0);
  });
});

Deno.test("Presence keeps the values it holds when a heartbeat reports the same, and takes every change", async () => {
  await withPresence((t) => {
    const p = t.presence({ offlineAfterMs: 1000 });
    const r = record("c1", t.now);
    p.seen("connector", "c1", { version: "1.0", trustedCaFingerprints: ["ab", "cd"], activeSessions: 1 });
    const held = p.view(r).live.trustedCaFingerprints;
    // Equal, but a new array and new strings: as every heartbeat decodes them anew.
    p.seen("connector", "c1", {
      version: ["1", "0"].join("."),
      trustedCaFingerprints: ["a" + "b", "c" + "d"],
      activeSessions: 1,
    });
    assert.equal(p.view(r).live.trustedCaFingerprints, held, "the list held is kept");
    p.seen("connector", "c1", { version: "1.1", trustedCaFingerprints: ["cd", "ab"], activeSessions: 2 });
    const live = p.view(r).live;
    assert.deepEqual([live.version, live.trustedCaFingerprints, live.activeSessions], [
      "1.1",
      ["cd", "ab"],
      2,
    ]);
    p.seen("connector", "c1", { trustedCaFingerprints: ["cd"] });
    assert.deepEqual(p.view(r).live.trustedCaFingerprints, ["cd"]);
  });
});

Deno.test("Presence.lagging() names the ONLINE agents that do not report trusting a CA, silent ones included", async () => {
  await withPresence(async (t) => {
    const p = t.presence({ offlineAfterMs: 1000 });
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    p.seen("connector", "c2", { trustedCaFingerprints: [a, b] });
    p.seen("connector", "c1", { trustedCaFingerprints: [a] });
    p.seen("tunneler", "t1", {}); // an older agent: reports nothing
    p.seen("tunneler", "t2", { trustedCaFingerprints: [a, b] });
    p.seen("tunneler", "t2", { trustedCaFingerprints: [] }); // an empty report keeps the last one
    assert.deepEqual(p.lagging(b), [{ role: "connector", id: "c1" }, { role: "tunneler", id: "t1" }]);
    assert.deepEqual(p.lagging(a), [{ role: "tunneler", id: "t1" }]);
    t.now += 1000;
    p.seen("tunneler", "t2", { trustedCaFingerprints: [a, b] });
    await p.sweep(); // c1, c2 and t1 go OFFLINE: only ONLINE agents can block an activation
    assert.deepEqual(p.lagging(b), []);
  });
});

Deno.test("Presence logs going OFFLINE as [3.2] with failure_mode, counts it and puts it on the event; ONLINE has none", async () => {
  await withPresence(async (t) => {
    await put(t.kv, ["agents", "connector", "c1"], record("c1", t.now));
    const lines: string[] = [];
    const counted: string[] = [];
    const p = t.presence({
      log: createLogger({ format: "json", write: (l) => lines.push(l) }),
      offlineAfterMs: 1000,
      failure: (mode) => counted.push(mode),
    });
    p.seen("connector", "c1");
    await p.sweep();
    t.now += 1500;
    await p.sweep();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(counted, ["3.2"]);
    const offline = lines.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
    assert.deepEqual([offline?.msg, offline?.failure_mode], [
      "[3.2] connector offline: no heartbeat for OFFLINE_AFTER",
      "3.2",
    ]);
    const byKind = Object.fromEntries((await t.events.list()).map((e) => [e.kind, e.failure_mode]));
    assert.deepEqual(byKind, { "connector.online": undefined, "connector.offline": "3.2" });
  });
});

Deno.test("Presence.left: an agent that says goodbye is OFFLINE at once; its next heartbeat is ONLINE again", async () => {
  await withPresence(async (t) => {
    const r = record("c1", t.now);
    await put(t.kv, ["agents", "connector", "c1"], r);
    const p = t.presence({ offlineAfterMs: 60_000, persistEveryMs: 5000 });
    p.seen("connector", "c1");
    assert.deepEqual(p.view(r).status, "ONLINE");
    p.left("connector", "c1");
    assert.deepEqual(p.view(r).status, "OFFLINE"); // no time passed: not OFFLINE_AFTER
    p.seen("connector", "c1");
    assert.deepEqual(p.view(r).status, "ONLINE");
  });
});
