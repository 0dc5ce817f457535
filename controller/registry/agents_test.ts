import { openKvStore } from "../store/kv_store.ts";
import { type Entry, put, type Store } from "../store/store.ts";
import assert from "node:assert/strict";
import { AgentStore, UPDATE_BATCH } from "./agents.ts";
import { connectorRecord } from "./testing.ts";
import { RevokedCertificateStore } from "./revoked.ts";
import { type AgentRecord, MAX_LIVE_CERTIFICATES } from "./types.ts";

Deno.test("AgentStore.listCached: writes through the store at once (watch), another process's after listMaxAgeMs without waiting for the re-read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-agents-" });
  const kv = await openKvStore(`${dir}/controller.kv`);
  // Another process on the same file: Deno KV's watch does not see its writes.
  const elsewhere = await openKvStore(`${dir}/controller.kv`);
  try {
    let now = 0;
    const store = new AgentStore(kv, () => now, 2000);
    await put(kv, ["agents", "connector", "c1"], connectorRecord("c1"));
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id), ["c1"]);
    // a write through the same Store, not through this AgentStore: seen at once by the watch
    await put(kv, ["agents", "connector", "c3"], connectorRecord("c3"));
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id), ["c1", "c3"]);
    // a write the watch cannot see: not listed until the copy is too old
    await put(elsewhere, ["agents", "connector", "c2"], connectorRecord("c2"));
    now += 1999;
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id), ["c1", "c3"]);
    // this store's own writes are seen at once
    await store.update("connector", "c1", (r) => ({ ...r, version: "2" }));
    await store.revoke("connector", "c1");
    const [c1] = await store.listCached("connector");
    assert.deepEqual([c1?.version, c1?.revokedAt], ["2", 1999]);
    now += 1;
    // too old: served from the copy while it is read again, then listed
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id).sort(), ["c1", "c3"]);
    await store.reread("connector");
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id).sort(), ["c1", "c2", "c3"]);
    // a reload never replaces a newer write-through value with an older one
    assert.deepEqual((await store.listCached("connector")).find((r) => r.id === "c1")?.revokedAt, 1999);
    // another controller revoking through its own AgentStore on the same Store: seen at once
    const other = new AgentStore(kv, () => now);
    await other.revoke("connector", "c2");
    assert.deepEqual((await store.listCached("connector")).find((r) => r.id === "c2")?.revokedAt, 2000);
    // a deleted record leaves the listing at once
    await kv.commit([], [{ type: "delete", key: ["agents", "connector", "c3"] }]);
    assert.deepEqual((await store.listCached("connector")).map((r) => r.id).sort(), ["c1", "c2"]);
    store.close();
  } finally {
    await elsewhere.close();
    await kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AgentStore.updateMany: batches per commit, never overwrites a concurrent revocation, skips unknown ids", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const store = new AgentStore(kv);
    const n = 2 * UPDATE_BATCH + 7;
    for (let i = 0; i < n; i++) await put(kv, ["agents", "connector", `c${i}`], connectorRecord(`c${i}`));
    const commits = await store.updateMany([
      ...Array.from({ length: n }, (_, i) => ({
        role: "connector" as const,
        id: `c${i}`,
        change: (r: AgentRecord) => ({ ...r, lastSeen: 42 }),
      })),
      { role: "connector", id: "unknown", change: (r) => r },
    ]);
    assert.deepEqual(commits, 3);
    assert.deepEqual((await store.list("connector")).every((r) => r.lastSeen === 42), true);
    assert.deepEqual(await store.get("connector", "unknown"), undefined);
    // a revocation lands between the read and the commit of a batch: the batch is retried per record
    let raced = false;
    const change = (r: AgentRecord) => {
      if (!raced) {
        raced = true;
        void put(kv, ["agents", "connector", "c0"], { ...r, revokedAt: 7, certificates: [] });
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
    assert.deepEqual([c0?.revokedAt, c0?.lastSeen], [7, 43]);
    assert.deepEqual((await store.get("connector", "c1"))?.lastSeen, 43);
  } finally {
    await kv.close();
  }
});

const TOKEN = {
  id: "0000000000000001",
  hash: "h",
  role: "tunneler",
  note: "",
  createdAt: 0,
  expiresAt: 1e15,
} as const;

async function tunneler(kv: Store, store: AgentStore, id: string, serial: string, notAfter: number) {
  await put(kv, ["tokens", `${id}-${serial}`], { ...TOKEN, id: `${id}-${serial}` });
  const token = await kv.get<typeof TOKEN>(["tokens", `${id}-${serial}`]);
  const record = {
    ...connectorRecord(id),
    role: "tunneler" as const,
    spiffeId: `spiffe://postern.internal/tunneler/${id}`,
    certificates: [{ serial, notAfter }],
  };
  return await store.enroll(token as Entry<typeof TOKEN & { role: "tunneler" }>, record);
}

Deno.test("AgentStore.revoke() moves every live certificate to the revoked list; enroll() supersedes leftovers", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 100;
    const store = new AgentStore(kv, () => now);
    const revoked = new RevokedCertificateStore(kv, () => now);
    await tunneler(kv, store, "t1", "aa", 10_000);
    assert.deepEqual(
      (await store.renewed("tunneler", "t1", "aa", { serial: "bb", notAfter: 20_000 }, "", 0)).ok,
      true,
    );
    const done = await store.revoke("tunneler", "t1");
    assert.deepEqual(done?.revoked.map((c) => [c.serial, c.notAfter, c.cause]), [
      ["bb", 20_000, "revoked"],
      ["aa", 10_000, "revoked"],
    ]);
    assert.deepEqual(done?.record.certificates, []);
    assert.deepEqual((await revoked.list()).map((c) => c.serial).sort(), ["aa", "bb"]);
    // A record left with live certificates (written before this code) is superseded by a new enrollment.
    await put(kv, ["agents", "tunneler", "t2"], {
      ...connectorRecord("t2"),
      role: "tunneler",
      revokedAt: 1,
      certificates: undefined,
      serials: ["cc"],
      certExpiresAt: 30_000,
    });
    const again = await tunneler(kv, store, "t2", "dd", 40_000);
    assert.deepEqual(again.ok && again.superseded.map((c) => [c.serial, c.cause]), [["cc", "superseded"]]);
    assert.deepEqual(await revoked.has("cc"), true);
    // Entries are ignored from their notAfter on.
    now = 10_000;
    assert.deepEqual((await revoked.list()).map((c) => c.serial).sort(), ["bb", "cc"]);
  } finally {
    await kv.close();
  }
});

Deno.test("AgentStore.renewed() refuses once the agent was revoked or the presented certificate is no longer live", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const store = new AgentStore(kv, () => 100);
    await tunneler(kv, store, "t1", "aa", 10_000);
    assert.deepEqual(
      (await store.renewed("tunneler", "t1", "zz", { serial: "bb", notAfter: 20_000 }, "", 0)).ok,
      false,
    );
    await store.revoke("tunneler", "t1");
    assert.deepEqual(
      (await store.renewed("tunneler", "t1", "aa", { serial: "bb", notAfter: 20_000 }, "", 0)).ok,
      false,
    );
    assert.deepEqual((await store.get("tunneler", "t1"))?.certificates, []);
  } finally {
    await kv.close();
  }
});

Deno.test("AgentStore.renewed() keeps every live certificate up to the cap, revokes beyond it, drops expired ones", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 100;
    const store = new AgentStore(kv, () => now);
    await tunneler(kv, store, "t1", "s0", 1000);
    const revokedNow: string[] = [];
    for (let i = 1; i <= MAX_LIVE_CERTIFICATES + 2; i++) {
      const r = await store.renewed(
        "tunneler",
        "t1",
        `s${i - 1}`,
        { serial: `s${i}`, notAfter: 1000 + i },
        "",
        0,
      );
      assert.ok(r.ok, "renewal refused");
      revokedNow.push(...r.revoked.map((c) => c.serial));
    }
    // Any live certificate renews, not only the latest few.
    const live = (await store.get("tunneler", "t1"))!.certificates.map((c) => c.serial);
    assert.deepEqual(live.length, MAX_LIVE_CERTIFICATES);
    assert.deepEqual(revokedNow, ["s0", "s1", "s2"]);
    assert.deepEqual(
      (await store.renewed("tunneler", "t1", "s3", { serial: "x", notAfter: 5000 }, "", 0)).ok,
      true,
    );
    // Past notAfter + grace a certificate leaves the live list without a revocation entry.
    now = 1010;
    const r = await store.renewed("tunneler", "t1", "x", { serial: "y", notAfter: 6000 }, "", 5);
    assert.deepEqual(r.ok && r.revoked, []);
    // s4 (notAfter 1004) is gone; s5 (1005) is within the grace.
    const kept = (await store.get("tunneler", "t1"))!.certificates.map((c) => c.serial);
    assert.deepEqual(kept, ["y", "x", ...Array.from({ length: 14 }, (_, i) => `s${18 - i}`)]);
  } finally {
    await kv.close();
  }
});

Deno.test("AgentStore.enroll() with the entry its caller read: a write to the record since then is a conflict, the token stays unspent", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const store = new AgentStore(kv, () => 100);
    await put(kv, ["tokens", "k1"], { ...TOKEN, id: "k1" });
    const token = await kv.get<typeof TOKEN>(["tokens", "k1"]) as Entry<typeof TOKEN & { role: "tunneler" }>;
    const record = {
      ...connectorRecord("t9"),
      role: "tunneler" as const,
      spiffeId: "spiffe://postern.internal/tunneler/t9",
    };
    const read = await store.entry("tunneler", "t9");
    assert.deepEqual(read.value, null);
    // Another enrollment of t9 lands between the caller's read and its commit.
    await put(kv, ["agents", "tunneler", "t9"], record);
    assert.deepEqual(await store.enroll(token, record, { existing: read }), {
      ok: false,
      conflict: "exists",
    });
    assert.deepEqual((await kv.get<{ usedAt?: number }>(["tokens", "k1"])).value?.usedAt, undefined);
    let refused = "";
    try {
      await store.enroll(token, record, { existing: await store.entry("tunneler", "t8") });
    } catch (e) {
      refused = e instanceof RangeError ? e.message : "";
    }
    assert.deepEqual(
      refused,
      `Existing entry "agents/tunneler/t8" is not the enrolled agent's "agents/tunneler/t9"`,
    );
  } finally {
    await kv.close();
  }
});
