import { assertEquals } from "../_assert_test_util.ts";
import { AgentStore, UPDATE_BATCH } from "./agents.ts";
import { connectorRecord } from "./testing.ts";
import type { AgentRecord } from "./types.ts";

Deno.test("AgentStore.listCached: own writes at once, another controller's writes within listMaxAgeMs", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let now = 0;
    const store = new AgentStore(kv, () => now, 2000);
    await kv.set(["agents", "connector", "c1"], connectorRecord("c1"));
    assertEquals((await store.listCached("connector")).map((r) => r.id), ["c1"]);
    // another controller (same KV, not through this store): not seen until the copy is too old
    await kv.set(["agents", "connector", "c2"], connectorRecord("c2"));
    now += 1999;
    assertEquals((await store.listCached("connector")).map((r) => r.id), ["c1"]);
    // this store's own writes are seen at once
    await store.update("connector", "c1", (r) => ({ ...r, version: "2" }));
    await store.revoke("connector", "c1");
    const [c1] = await store.listCached("connector");
    assertEquals([c1?.version, c1?.revokedAt], ["2", 1999]);
    now += 1;
    assertEquals((await store.listCached("connector")).map((r) => r.id).sort(), ["c1", "c2"]);
    // a reload never replaces a newer write-through value with an older one
    assertEquals((await store.listCached("connector")).find((r) => r.id === "c1")?.revokedAt, 1999);
    // another controller revoking (through its own store) is seen at the next listing
    const other = new AgentStore(kv, () => now);
    await other.revoke("connector", "c2");
    assertEquals((await store.listCached("connector")).find((r) => r.id === "c2")?.revokedAt, 2000);
  } finally {
    kv.close();
  }
});

Deno.test("AgentStore.updateMany: batches per commit, never overwrites a concurrent revocation, skips unknown ids", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new AgentStore(kv);
    const n = 2 * UPDATE_BATCH + 7;
    for (let i = 0; i < n; i++) await kv.set(["agents", "connector", `c${i}`], connectorRecord(`c${i}`));
    const commits = await store.updateMany([
      ...Array.from({ length: n }, (_, i) => ({
        role: "connector" as const,
        id: `c${i}`,
        change: (r: AgentRecord) => ({ ...r, lastSeen: 42 }),
      })),
      { role: "connector", id: "unknown", change: (r) => r },
    ]);
    assertEquals(commits, 3);
    assertEquals((await store.list("connector")).every((r) => r.lastSeen === 42), true);
    assertEquals(await store.get("connector", "unknown"), undefined);
    // a revocation lands between the read and the commit of a batch: the batch is retried per record
    let raced = false;
    const change = (r: AgentRecord) => {
      if (!raced) {
        raced = true;
        void kv.set(["agents", "connector", "c0"], { ...r, revokedAt: 7, certificates: [] });
      }
      return { ...r, lastSeen: 43 };
    };
    await new Promise((r) => setTimeout(r, 0));
    await store.updateMany([{ role: "connector", id: "c0", change }, {
      role: "connector",
      id: "c1",
      change,
    }]);
    const c0 = await store.get("connector", "c0");
    assertEquals([c0?.revokedAt, c0?.lastSeen], [7, 43]);
    assertEquals((await store.get("connector", "c1"))?.lastSeen, 43);
  } finally {
    kv.close();
  }
});
