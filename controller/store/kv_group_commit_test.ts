/**
 * The group commit of the Deno KV backend on a real Deno KV file. `SeenKv` wraps the real handle to
 * see what reaches Deno KV (each atomic's size, its outcome) and, where a test says so, to act at a
 * precise moment: a write through a second handle on the same file right after a batch's pre-read,
 * or one SQLite error from a commit (the real read-only disk is `tests/faults/kv_read_only_*`).
 */
import assert from "node:assert/strict";
import { KvStore } from "./kv_store.ts";
import { KV_BATCH_LIMITS } from "./kv_group_commit.ts";
import {
  type CommitResult,
  type Mutation,
  StoreLimitError,
  StoreUnavailableError,
  type WatchEvent,
} from "./store.ts";

interface SeenCommit {
  checks: number;
  mutations: number;
  ok?: boolean;
  error?: unknown;
}

/** The real Deno.Kv, with what reached it recorded. */
class SeenKv {
  readonly commits: SeenCommit[] = [];
  getManyCalls = 0;
  /** Runs once, after the next getMany answered and before its caller sees the answer. */
  afterNextGetMany: (() => Promise<void>) | undefined;
  /** Thrown once by the next atomic commit, instead of committing. */
  failNextCommit: Error | undefined;

  constructor(readonly real: Deno.Kv) {}

  get(key: Deno.KvKey) {
    return this.real.get(key);
  }
  async getMany(keys: Deno.KvKey[]) {
    this.getManyCalls++;
    const answer = await this.real.getMany(keys);
    const hook = this.afterNextGetMany;
    this.afterNextGetMany = undefined;
    if (hook) await hook();
    return answer;
  }
  list(selector: Deno.KvListSelector, options?: Deno.KvListOptions) {
    return this.real.list(selector, options);
  }
  close() {
    this.real.close();
  }
  atomic() {
    const real = this.real.atomic();
    const seen: SeenCommit = { checks: 0, mutations: 0 };
    const commits = this.commits;
    const fail = () => {
      const error = this.failNextCommit;
      this.failNextCommit = undefined;
      return error;
    };
    const op = {
      check(...checks: Deno.AtomicCheck[]) {
        seen.checks += checks.length;
        real.check(...checks);
        return op;
      },
      set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) {
        seen.mutations++;
        real.set(key, value, options);
        return op;
      },
      delete(key: Deno.KvKey) {
        seen.mutations++;
        real.delete(key);
        return op;
      },
      async commit() {
        commits.push(seen);
        const injected = fail();
        if (injected) {
          seen.error = injected;
          throw injected;
        }
        try {
          const result = await real.commit();
          seen.ok = result.ok;
          return result;
        } catch (error) {
          seen.error = error;
          throw error;
        }
      },
    };
    return op;
  }
}

async function withStore(fn: (store: KvStore, seen: SeenKv, path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "postern-kv-group-" });
  const path = `${dir}/controller.kv`;
  const seen = new SeenKv(await Deno.openKv(path));
  const store = new KvStore(seen as unknown as Deno.Kv);
  try {
    await fn(store, seen, path);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const set = (key: string[], value: unknown): Mutation => ({ type: "set", key, value });
const versionOf = (r: CommitResult) => r.ok ? r.version : "refused";

Deno.test("KvStore group commit: a lone commit goes out at once, with no batching window", async () => {
  await withStore(async (store, seen) => {
    const checked = store.commit([{ key: ["a"], version: null }], [set(["a"], 1)]);
    assert.deepEqual(seen.getManyCalls, 1, "its pre-read was sent before commit() returned");
    assert.deepEqual((await checked).ok, true);
    const blind = store.commit([], [set(["b"], 1)]);
    assert.deepEqual(seen.commits.length, 2, "its transaction was sent before commit() returned");
    assert.deepEqual((await blind).ok, true);
  });
});

Deno.test("KvStore group commit: commits arriving while one is in flight go out as one transaction, each caller with its own result", async () => {
  await withStore(async (store, seen) => {
    await store.commit([], [set(["t", "stale"], "v0")]);
    seen.commits.length = 0;
    const stale = (await store.get(["t", "stale"])).version!;
    await store.commit([], [set(["t", "stale"], "v1")]);
    seen.commits.length = 0;
    const results = await Promise.all([
      store.commit([], [set(["c", "0"], 0)]),
      store.commit([{ key: ["c", "1"], version: null }], [set(["c", "1"], 1), set(["c", "1b"], 1)]),
      // Its check fails: none of its mutations may apply, and the others still do.
      store.commit([{ key: ["t", "stale"], version: stale }], [set(["c", "2"], 2), set(["c", "2b"], 2)]),
      store.commit([], [set(["c", "3"], 3)]),
    ]);
    assert.deepEqual(results.map((r) => r.ok), [true, true, false, true]);
    assert.deepEqual(seen.commits.length, 2, "the first alone, then the two others that held together");
    assert.deepEqual(seen.commits[1], { checks: 1, mutations: 3, ok: true });
    assert.notEqual(versionOf(results[0]!), versionOf(results[1]!));
    assert.deepEqual(versionOf(results[1]!), versionOf(results[3]!), "one transaction, one versionstamp");
    const stored = await store.getMany(["0", "1", "1b", "2", "2b", "3"].map((k) => ["c", k]));
    assert.deepEqual(stored.map((e) => e.value), [0, 1, 1, null, null, 3]);
    assert.deepEqual(stored[1]!.version, versionOf(results[1]!));
  });
});

Deno.test("KvStore group commit: two concurrent spends of one token at one version: exactly one applies", async () => {
  await withStore(async (store) => {
    await store.commit([], [set(["tokens", "t1"], { used: false })]);
    const token = (await store.get(["tokens", "t1"])).version!;
    const spend = (agent: string) =>
      store.commit([{ key: ["tokens", "t1"], version: token }, { key: ["agents", agent], version: null }], [
        set(["tokens", "t1"], { used: true, by: agent }),
        set(["agents", agent], { id: agent }),
      ]);
    const results = await Promise.all([store.commit([], [set(["other"], 0)]), spend("a1"), spend("a2")]);
    assert.deepEqual(results.map((r) => r.ok), [true, true, false]);
    assert.deepEqual((await store.get(["tokens", "t1"])).value, { used: true, by: "a1" });
    assert.deepEqual((await store.get(["agents", "a2"])).value, null, "the refused spender stored nothing");
  });
});

Deno.test("KvStore group commit: commits sharing a key apply in arrival order, also through a commit passed over", async () => {
  await withStore(async (store, seen) => {
    const results = await Promise.all([
      store.commit([], [set(["other"], 0)]),
      store.commit([], [set(["k"], 1)]),
      store.commit([], [set(["k"], 2), set(["j"], 2)]),
      // Shares nothing with the second but ["j"] with the third, which must wait for a later batch.
      store.commit([], [set(["j"], 3)]),
    ]);
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, true]);
    assert.deepEqual([(await store.get(["k"])).value, (await store.get(["j"])).value], [2, 3]);
    const versions = results.map(versionOf);
    assert.ok(versions[1]! < versions[2]! && versions[2]! < versions[3]!, versions.join(" "));
    assert.deepEqual(seen.commits.length, 4);
  });
});

Deno.test("KvStore group commit: a batch stays within Deno KV's checks, bytes and key bytes", async () => {
  await withStore(async (store, seen) => {
    const cases: { what: string; commits: () => Promise<CommitResult>[] }[] = [
      {
        what: `${KV_BATCH_LIMITS.checks + 50} commits of one check each`,
        commits: () =>
          Array.from(
            { length: KV_BATCH_LIMITS.checks + 50 },
            (_, i) => store.commit([{ key: ["n", `${i}`], version: null }], [set(["n", `${i}`], i)]),
          ),
      },
      {
        what: "20 commits of a 60,000-byte value each",
        commits: () =>
          Array.from({ length: 20 }, (_, i) => store.commit([], [set(["big", `${i}`], "v".repeat(60_000))])),
      },
      {
        what: "60 commits of a 1,900-byte key each",
        commits: () =>
          Array.from(
            { length: 60 },
            (_, i) => store.commit([], [set(["long", `${i}`.padEnd(1_900, "x")], i)]),
          ),
      },
    ];
    for (const { what, commits } of cases) {
      seen.commits.length = 0;
      const results = await Promise.all([store.commit([], [set(["other"], 0)]), ...commits()]);
      assert.deepEqual(results.filter((r) => !r.ok).length, 0, what);
      assert.deepEqual(
        seen.commits.filter((c) => c.error !== undefined).map((c) => String(c.error)),
        [],
        what,
      );
      assert.ok(
        seen.commits.length > 2 && seen.commits.length < results.length / 2,
        `${what}: ${seen.commits.length} transactions`,
      );
      assert.ok(seen.commits.every((c) => c.checks <= KV_BATCH_LIMITS.checks), what);
    }
  });
});

Deno.test("KvStore group commit: a member gone stale by an outside writer fails alone, the rest of its batch applies", async () => {
  await withStore(async (store, seen, path) => {
    const v1 = versionOf(await store.commit([], [set(["s", "1"], "before")]));
    seen.commits.length = 0;
    const outside = await Deno.openKv(path);
    try {
      seen.afterNextGetMany = async () => {
        await outside.set(["s", "1"], "outside");
      };
      const results = await Promise.all([
        store.commit([], [set(["other"], 0)]),
        store.commit([{ key: ["s", "1"], version: v1 }], [set(["s", "1"], "mine")]),
        store.commit([], [set(["s", "2"], 2)]),
        store.commit([{ key: ["s", "3"], version: null }], [set(["s", "3"], 3)]),
      ]);
      assert.deepEqual(results.map((r) => r.ok), [true, false, true, true]);
      assert.deepEqual(
        seen.commits.map((c) => c.ok),
        [true, false, false, true, true],
        "the batch failed, then each alone",
      );
      assert.deepEqual((await store.getMany([["s", "1"], ["s", "2"], ["s", "3"]])).map((e) => e.value), [
        "outside",
        2,
        3,
      ]);
    } finally {
      outside.close();
    }
  });
});

Deno.test("KvStore group commit: a SQLite error reaches every member of its batch and the queue goes on", async () => {
  await withStore(async (store, seen) => {
    const first = store.commit([], [set(["e", "0"], 0)]);
    seen.failNextCommit = new Error("attempt to write a readonly database");
    const batch = [store.commit([], [set(["e", "1"], 1)]), store.commit([], [set(["e", "2"], 2)])];
    assert.deepEqual((await first).ok, true);
    for (const member of batch) {
      await assert.rejects(member, (error: Error) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.match(error.message, /^Deno KV does not take writes: attempt to write a readonly database: /);
        return true;
      });
    }
    assert.deepEqual(seen.commits.length, 2, "one transaction for both");
    assert.deepEqual((await store.commit([], [set(["e", "3"], 3)])).ok, true);
    assert.deepEqual((await store.getMany([["e", "1"], ["e", "3"]])).map((e) => e.value), [null, 3]);
  });
});

Deno.test("KvStore group commit: a value Deno KV refuses fails its own commit only", async () => {
  await withStore(async (store) => {
    const results = await Promise.allSettled([
      store.commit([], [set(["v", "0"], 0)]),
      store.commit([], [set(["v", "1"], 1)]),
      store.commit([], [set(["v", "huge"], "h".repeat(70_000))]),
      store.commit([], [set(["v", "2"], 2)]),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const refused = (results[2] as PromiseRejectedResult).reason;
    assert.ok(refused instanceof StoreLimitError, String(refused));
    assert.deepEqual(refused.message, "Deno KV refused the commit: Value too large (max 65536 bytes)");
    assert.deepEqual((await store.getMany([["v", "1"], ["v", "2"]])).map((e) => e.value), [1, 2]);
  });
});

Deno.test("KvStore group commit: watchers see each member's events once, in commit order; leases as for one commit", async () => {
  await withStore(async (store) => {
    const seenEvents: WatchEvent[] = [];
    store.watch(["w"], { onEvents: (events) => seenEvents.push(...events), onResync: () => {} });
    const lease = await store.grantLease(60_000);
    const results = await Promise.all([
      store.commit([], [set(["w", "0"], 0)]),
      store.commit([], [set(["w", "1"], 1), { type: "delete", key: ["w", "x"] }]),
      store.commit([], [{ type: "set", key: ["w", "leased"], value: "held", lease }]),
      store.commit([], [set(["w", "1"], "again")]),
    ]);
    assert.deepEqual(
      seenEvents.map((e) => [e.type, e.key.join("/"), e.value, e.version]),
      [
        ["put", "w/0", 0, versionOf(results[0]!)],
        ["put", "w/1", 1, versionOf(results[1]!)],
        ["delete", "w/x", null, versionOf(results[1]!)],
        ["put", "w/leased", "held", versionOf(results[2]!)],
        ["put", "w/1", "again", versionOf(results[3]!)],
      ],
    );
    assert.deepEqual(versionOf(results[1]!), versionOf(results[2]!));
    assert.ok(versionOf(results[2]!) < versionOf(results[3]!));
    await lease.revoke();
    assert.deepEqual(
      (await store.get(["w", "leased"])).value,
      null,
      "the batch member's leased key went with its lease",
    );
  });
});
