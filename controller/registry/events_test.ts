import { openKvStore } from "../store/kv_store.ts";
import assert from "node:assert/strict";
import type { Store } from "../store/store.ts";
import { EventLog, type EventRetention } from "./events.ts";

async function withLog(
  retention: EventRetention,
  fn: (log: EventLog, clock: { now: number }, store: Store) => Promise<void>,
): Promise<void> {
  const kv = await openKvStore(":memory:");
  const clock = { now: 1_800_000_000_000 };
  try {
    await fn(new EventLog(kv, () => clock.now, retention, NO_WAIT), clock, kv);
  } finally {
    await kv.close();
  }
}

/** Flow events written as they come (these tests await each one). */
const NO_WAIT = { flushEveryMs: 0 };

const SMALL: EventRetention = {
  security: { maxAgeMs: 86_400_000, maxCount: 5 },
  flow: { maxAgeMs: 86_400_000, maxCount: 5 },
};

Deno.test("EventLog keeps the newest EVENTS_MAX security and FLOW_EVENTS_MAX flow events, apart", async () => {
  await withLog(SMALL, async (log, clock) => {
    for (let i = 0; i < 20; i++) {
      clock.now++;
      await log.append("token.created", `security ${i}`);
      clock.now++;
      await log.append("tunnel.opened", `flow ${i}`, { tunneler: "t1", connector: "c1" });
    }
    const all = await log.list({ limit: 1000 });
    assert.deepEqual(
      all.map((e) => e.message),
      [15, 16, 17, 18, 19].flatMap((i) => [`security ${i}`, `flow ${i}`]).reverse(),
    );
    assert.deepEqual(
      (await log.list({ kind: "tunnel." })).map((e) => e.message),
      ["flow 19", "flow 18", "flow 17", "flow 16", "flow 15"],
    );
    assert.deepEqual((await log.list({ kind: "token.created", limit: 2 })).map((e) => e.message), [
      "security 19",
      "security 18",
    ]);
    // A flood of flow events leaves the security events alone.
    for (let i = 0; i < 50; i++) await log.append("tunnel.closed", `more ${i}`);
    assert.equal((await log.list({ kind: "token.created" })).length, 5);
  });
});

Deno.test("EventLog deletes the oldest events from storage, not only from the listing", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const log = new EventLog(kv, Date.now, SMALL, NO_WAIT);
    for (let i = 0; i < 30; i++) await log.append("token.created", `security ${i}`);
    for (let i = 0; i < 30; i++) await log.append("tunnel.refused", `flow ${i}`, { reason: "no_grant" });
    let stored = 0;
    for await (const _ of kv.list([])) stored++;
    assert.equal(stored, 10);
  } finally {
    await kv.close();
  }
});

Deno.test("EventLog never lists an event older than its space's retention and deletes it on the next write", async () => {
  const retention: EventRetention = {
    security: { maxAgeMs: 1000, maxCount: 100 },
    flow: { maxAgeMs: 60_000, maxCount: 100 },
  };
  await withLog(retention, async (log, clock) => {
    await log.append("token.created", "old security");
    await log.append("tunnel.opened", "old flow");
    clock.now += 1500;
    assert.deepEqual((await log.list()).map((e) => e.message), ["old flow"]);
    await log.append("token.created", "new security");
    assert.deepEqual((await log.list()).map((e) => e.message), ["new security", "old flow"]);
    clock.now += 60_000;
    await log.append("tunnel.closed", "new flow");
    assert.deepEqual((await log.list()).map((e) => e.message), ["new flow"]);
  });
});

Deno.test("EventLog pages with before across both spaces", async () => {
  await withLog(SMALL, async (log, clock) => {
    const ids: string[] = [];
    for (const kind of ["a.x", "tunnel.opened", "b.y", "tunnel.closed"]) {
      clock.now++;
      ids.push((await log.append(kind, kind)).id);
    }
    assert.deepEqual((await log.list({ before: ids[2]! })).map((e) => e.kind), ["tunnel.opened", "a.x"]);
  });
});

Deno.test("EventLog counts the events a previous run left and applies a lower EVENTS_MAX to them", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const before = new EventLog(kv);
    for (let i = 0; i < 12; i++) await before.append("token.created", `old ${i}`);
    const after = new EventLog(kv, Date.now, SMALL, NO_WAIT);
    await after.prepare();
    await after.append("token.created", "new");
    assert.deepEqual((await after.list()).map((e) => e.message), [
      "new",
      "old 11",
      "old 10",
      "old 9",
      "old 8",
    ]);
    let stored = 0;
    for await (const _ of kv.list(["events"])) stored++;
    assert.equal(stored, 5);
  } finally {
    await kv.close();
  }
});

Deno.test("EventLog stores flow events in one commit per batch and drops those over the cap, counted", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let commits = 0;
    const commit = kv.commit.bind(kv);
    kv.commit = (c, m) => (commits++, commit(c, m));
    const clock = { now: 1_700_000_000_000 };
    const log = new EventLog(kv, () => clock.now, undefined, { maxPerSecond: 150, flushEveryMs: 50 });
    const all = Array.from({ length: 200 }, (_, i) => log.append("tunnel.opened", `flow ${i}`));
    await Promise.all(all);
    assert.equal(log.flowDropped, 50, "200 in one second with a cap of 150");
    assert.equal(log.flowCommits, 2, "150 events in batches of 100");
    assert.equal(commits, 2);
    assert.equal((await log.list({ kind: "tunnel.", limit: 1000 })).length, 150);
    clock.now += 1000;
    await log.append("tunnel.closed", "next second");
    assert.equal(log.flowDropped, 50, "a new second, a new allowance");
  } finally {
    await kv.close();
  }
});

Deno.test("EventLog.draft(): stored by the caller's commit, told to subscribers only once published, counted in the bounds", async () => {
  await withLog(SMALL, async (log, clock, store) => {
    const told: string[] = [];
    log.subscribe((e) => told.push(e.message));
    assert.throws(() => log.draft("tunnel.opened", "flow"), RangeError);
    log.draft("tunneler.enrolled", "never committed");
    for (let i = 0; i < 7; i++) {
      clock.now++;
      const d = log.draft("tunneler.enrolled", `enrolled ${i}`, { agent: `t${i}` });
      assert.deepEqual(d.mutation.key, ["events", d.event.id]);
      assert.equal((await store.commit([], [d.mutation])).ok, true);
      assert.equal(told.length, i);
      await log.published(d);
    }
    assert.deepEqual(told, [0, 1, 2, 3, 4, 5, 6].map((i) => `enrolled ${i}`));
    // SMALL keeps 5: the drafts count like appended events; the uncommitted one is nowhere.
    assert.deepEqual((await log.list()).map((e) => e.message), [6, 5, 4, 3, 2].map((i) => `enrolled ${i}`));
  });
});
