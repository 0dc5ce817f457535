/**
 * The one table-driven conformance suite of {@link Store} backends: every backend's `*_test.ts`
 * calls {@link storeConformance} with a function that opens a fresh, empty store, and passes the
 * same cases, limits included (each case reads the limits the backend declares).
 * @module
 */
import assert from "node:assert/strict";
import { poll } from "../../shared/process/poll.ts";
import {
  commitSize,
  type Entry,
  keySize,
  listAll,
  put,
  type Store,
  type StoreKey,
  StoreLimitError,
  type WatchEvent,
} from "./store.ts";

/** What the `open` function of {@link storeConformance} gives each case. */
export interface OpenedStore {
  /** A fresh store with no keys. */
  store: Store;
  /** Another Store instance on the same backend (same file, same cluster and prefix). */
  another?: () => Promise<Store>;
  /** Closes what `open` opened (the stores included) and removes its data. */
  cleanup(): Promise<void>;
}

/** Options of {@link storeConformance}. */
export interface ConformanceOptions {
  /**
   * A watch sees commits of another Store instance on the same backend (etcd: yes; Deno KV: no,
   * its watch is fed by its own commits). Needs {@link OpenedStore.another}. Default false.
   */
  sharedAcrossInstances?: boolean;
  /** Passed to Deno.test: false for clients that keep timers or sockets beyond close. Default true. */
  sanitizeOps?: boolean;
  /** Passed to Deno.test. Default true. */
  sanitizeResources?: boolean;
  /** Passed to Deno.test, e.g. when the backend's server is missing. Default false. */
  ignore?: boolean;
}

type Case = (store: Store, opened: OpenedStore) => Promise<void>;

const WAIT_MS = 10_000;

/** Registers one Deno.test per conformance case, named `<name> store: <case>`. */
export function storeConformance(
  name: string,
  open: () => Promise<OpenedStore>,
  options: ConformanceOptions = {},
): void {
  const cases: [string, Case][] = [...CASES];
  if (options.sharedAcrossInstances) cases.push(...SHARED_CASES);
  for (const [title, run] of cases) {
    Deno.test({
      name: `${name} store: ${title}`,
      ignore: options.ignore ?? false,
      sanitizeOps: options.sanitizeOps ?? true,
      sanitizeResources: options.sanitizeResources ?? true,
      fn: async () => {
        const opened = await open();
        try {
          await run(opened.store, opened);
        } finally {
          await opened.cleanup();
        }
      },
    });
  }
}

function keys<T>(entries: Entry<T>[]): string[] {
  return entries.map((e) => e.key.join("/"));
}

async function putAll(store: Store, names: string[][]): Promise<void> {
  for (const key of names) await put(store, key, key.join("/"));
}

/** Collects watch events until `until` holds for the list so far (bounded). */
function collect(store: Store, prefix: StoreKey) {
  const events: WatchEvent[] = [];
  let resyncs = 0;
  const watch = store.watch(prefix, {
    onEvents: (batch) => events.push(...batch),
    onResync: () => resyncs++,
  });
  return {
    events,
    get resyncs() {
      return resyncs;
    },
    close: () => watch.close(),
    until: (what: string, done: (events: WatchEvent[]) => boolean) =>
      poll(what, () => Promise.resolve(done(events) ? true : undefined), { timeoutMs: WAIT_MS, everyMs: 10 }),
  };
}

function brief(e: WatchEvent): string {
  return `${e.type} ${e.key.join("/")}`;
}

const CASES: [string, Case][] = [
  ["get answers a present key with its value and version, a missing key with nulls", async (store) => {
    const version = await put(store, ["g", "present"], { n: 1, s: "ü" });
    const present = await store.get<{ n: number }>(["g", "present"]);
    assert.deepEqual(present, { key: ["g", "present"], value: { n: 1, s: "ü" }, version });
    assert.deepEqual(await store.get(["g", "missing"]), {
      key: ["g", "missing"],
      value: null,
      version: null,
    });
    assert.deepEqual(await store.get(["g"]), { key: ["g"], value: null, version: null });
  }],

  ["getMany answers every key in the order asked, missing ones included", async (store) => {
    const asked: string[][] = [];
    for (let i = 0; i < 25; i++) {
      const key = ["m", `k${String(24 - i).padStart(2, "0")}`];
      asked.push(key);
      if (i % 3 !== 0) await put(store, key, i);
    }
    const got = await store.getMany<number>(asked);
    assert.equal(got.length, 25);
    got.forEach((entry, i) => {
      assert.deepEqual(entry.key, asked[i]);
      assert.equal(entry.value, i % 3 === 0 ? null : i);
      assert.equal(entry.version === null, i % 3 === 0);
    });
    assert.deepEqual(await store.getMany([]), []);
  }],

  ["list answers the keys under a prefix in key order, without the prefix itself", async (store) => {
    await putAll(store, [["l", "b"], ["l", "a"], ["l", "c", "deep"], ["l"], ["l", "B"], ["l", "é"], [
      "k",
      "x",
    ], [
      "m",
      "x",
    ]]);
    assert.deepEqual(keys(await listAll(store, ["l"])), ["l/B", "l/a", "l/b", "l/c/deep", "l/é"]);
    assert.deepEqual(keys(await listAll(store, ["l"], { reverse: true })), [
      "l/é",
      "l/c/deep",
      "l/b",
      "l/a",
      "l/B",
    ]);
    assert.deepEqual(keys(await listAll(store, ["l", "c"])), ["l/c/deep"]);
    assert.deepEqual(keys(await listAll(store, ["nothing"])), []);
    const [first] = await listAll<string>(store, ["l"]);
    assert.equal(first?.value, "l/B");
    assert.equal(typeof first?.version, "string");
  }],

  ['list of ["a"] never answers keys of ["ab"] (a sibling prefix), nor the reverse', async (store) => {
    await putAll(store, [["a", "1"], ["ab", "2"], ["a", "b", "3"], ["ab", "c"], ["a-", "4"], ["a0", "5"]]);
    assert.deepEqual(keys(await listAll(store, ["a"])), ["a/1", "a/b/3"]);
    assert.deepEqual(keys(await listAll(store, ["ab"])), ["ab/2", "ab/c"]);
    assert.deepEqual(keys(await listAll(store, ["a", "b"])), ["a/b/3"]);
    assert.deepEqual(keys(await listAll(store, ["a"], { reverse: true })), ["a/b/3", "a/1"]);
  }],

  [
    "list of the empty prefix answers every key of the store, in key order (backup reads it so)",
    async (store) => {
      await putAll(store, [["b", "2"], ["a"], ["a", "1"], ["c", "x", "y"]]);
      assert.deepEqual(keys(await listAll(store, [])), ["a", "a/1", "b/2", "c/x/y"]);
      assert.deepEqual(keys(await listAll(store, [], { limit: 1 })), ["a"]);
      assert.deepEqual(keys(await listAll(store, [], { reverse: true, limit: 2 })), ["c/x/y", "b/2"]);
      assert.deepEqual(keys(await listAll(store, [], { after: ["a", "1"], limit: 1 })), ["b/2"]);
    },
  ],

  ["list pages with limit and after, forward and reverse, and stops at before", async (store) => {
    const all: string[] = [];
    for (let i = 0; i < 25; i++) {
      const key = ["p", `e${String(i).padStart(2, "0")}`];
      all.push(key.join("/"));
      await put(store, key, i);
    }
    await put(store, ["pz", "later"], "sibling");
    for (const reverse of [false, true]) {
      const seen: string[] = [];
      let after: StoreKey | undefined;
      for (let page = 0; page < 10; page++) {
        const got = await listAll(
          store,
          ["p"],
          after ? { limit: 10, reverse, after } : { limit: 10, reverse },
        );
        assert.ok(got.length <= 10, `page of ${got.length}`);
        if (got.length === 0) break;
        seen.push(...keys(got));
        after = got[got.length - 1]!.key;
      }
      assert.deepEqual(seen, reverse ? [...all].reverse() : all, `reverse: ${reverse}`);
    }
    assert.deepEqual(keys(await listAll(store, ["p"], { before: ["p", "e03"] })), [
      "p/e00",
      "p/e01",
      "p/e02",
    ]);
    assert.deepEqual(keys(await listAll(store, ["p"], { after: ["p", "e20"], before: ["p", "e23"] })), [
      "p/e21",
      "p/e22",
    ]);
    assert.deepEqual(keys(await listAll(store, ["p"], { reverse: true, limit: 2, before: ["p", "e10"] })), [
      "p/e09",
      "p/e08",
    ]);
    assert.deepEqual(keys(await listAll(store, ["p"], { after: ["p", "e24"] })), []);
  }],

  ["commit with a null version check creates a key once, and refuses the second time", async (store) => {
    const first = await store.commit([{ key: ["c", "once"], version: null }], [
      { type: "set", key: ["c", "once"], value: "first" },
    ]);
    assert.equal(first.ok, true);
    const second = await store.commit([{ key: ["c", "once"], version: null }], [
      { type: "set", key: ["c", "once"], value: "second" },
    ]);
    assert.deepEqual(second, { ok: false });
    const now = await store.get(["c", "once"]);
    assert.equal(now.value, "first");
    assert.equal(first.ok && now.version === first.version, true);
  }],

  ["commit with the current version applies; with a stale version applies nothing", async (store) => {
    const v1 = await put(store, ["c", "k"], 1);
    const v2 = await store.commit([{ key: ["c", "k"], version: v1 }], [{
      type: "set",
      key: ["c", "k"],
      value: 2,
    }]);
    assert.equal(v2.ok, true);
    const stale = await store.commit([{ key: ["c", "k"], version: v1 }], [
      { type: "set", key: ["c", "k"], value: 3 },
      { type: "set", key: ["c", "other"], value: 3 },
      { type: "delete", key: ["c", "k"] },
    ]);
    assert.deepEqual(stale, { ok: false });
    assert.equal((await store.get(["c", "k"])).value, 2);
    assert.equal((await store.get(["c", "other"])).version, null);
    const deleted = await store.commit([{ key: ["c", "k"], version: v2.ok ? v2.version : "" }], [
      { type: "delete", key: ["c", "k"] },
    ]);
    assert.equal(deleted.ok, true);
    assert.deepEqual(await store.get(["c", "k"]), { key: ["c", "k"], value: null, version: null });
  }],

  ["a commit whose last check fails leaves every key as it was", async (store) => {
    const va = await put(store, ["t", "a"], "a0");
    const vb = await put(store, ["t", "b"], "b0");
    await put(store, ["t", "c"], "c0");
    await put(store, ["t", "b"], "b1");
    const result = await store.commit(
      [{ key: ["t", "a"], version: va }, { key: ["t", "b"], version: vb }],
      [
        { type: "set", key: ["t", "a"], value: "a1" },
        { type: "delete", key: ["t", "c"] },
        { type: "set", key: ["t", "new"], value: "n" },
      ],
    );
    assert.deepEqual(result, { ok: false });
    const after = await listAll(store, ["t"]);
    assert.deepEqual(after.map((e) => [e.key.join("/"), e.value]), [["t/a", "a0"], ["t/b", "b1"], [
      "t/c",
      "c0",
    ]]);
    assert.equal(after[0]!.version, va);
  }],

  ["versions grow in write order, across keys and for one key", async (store) => {
    const versions: string[] = [];
    for (let i = 0; i < 12; i++) versions.push(await put(store, ["v", i % 2 === 0 ? "same" : `k${i}`], i));
    for (let i = 1; i < versions.length; i++) {
      assert.ok(versions[i]! > versions[i - 1]!, `version ${versions[i]} after ${versions[i - 1]}`);
    }
    const multi = await store.commit([], [
      { type: "set", key: ["v", "x"], value: 1 },
      { type: "set", key: ["v", "y"], value: 2 },
    ]);
    assert.ok(multi.ok && multi.version > versions[versions.length - 1]!);
    const [x, y] = await store.getMany([["v", "x"], ["v", "y"]]);
    assert.equal(x?.version, multi.ok ? multi.version : "");
    assert.equal(y?.version, multi.ok ? multi.version : "");
    assert.equal((await store.get(["v", "same"])).version, versions[10]);
  }],

  ["a key set with expireInMs is gone after it expires, and can be created again", async (store) => {
    await store.commit([], [
      { type: "set", key: ["x", "short"], value: "s", expireInMs: 300 },
      { type: "set", key: ["x", "long"], value: "l", expireInMs: 600_000 },
    ]);
    assert.equal((await store.get(["x", "short"])).value, "s");
    await poll("the expired key to disappear", async () => {
      const e = await store.get(["x", "short"]);
      return e.version === null ? true : undefined;
    }, { timeoutMs: WAIT_MS, everyMs: 50 });
    assert.deepEqual(keys(await listAll(store, ["x"])), ["x/long"]);
    assert.equal((await store.getMany([["x", "short"]]))[0]?.version, null);
    const again = await store.commit([{ key: ["x", "short"], version: null }], [
      { type: "set", key: ["x", "short"], value: "again" },
    ]);
    assert.equal(again.ok, true);
    assert.equal((await store.get(["x", "short"])).value, "again");
  }],

  [
    "keys under a lease vanish on revoke, lost resolves, a key rewritten without the lease stays",
    async (store) => {
      const lease = await store.grantLease(10_000);
      assert.equal(lease.ttlMs, 10_000);
      assert.equal(typeof lease.id, "string");
      const other = await store.grantLease(10_000);
      await store.commit([], [
        { type: "set", key: ["ls", "a"], value: 1, lease },
        { type: "set", key: ["ls", "b"], value: 2, lease },
        { type: "set", key: ["ls", "kept"], value: 3, lease },
        { type: "set", key: ["ls", "other"], value: 4, lease: other },
        { type: "set", key: ["ls", "plain"], value: 5 },
      ]);
      await put(store, ["ls", "kept"], "rewritten");
      assert.deepEqual(keys(await listAll(store, ["ls"])), [
        "ls/a",
        "ls/b",
        "ls/kept",
        "ls/other",
        "ls/plain",
      ]);
      let lost = false;
      lease.lost.then(() => lost = true);
      await lease.revoke();
      await poll("the lease's keys to vanish", async () => {
        const left = keys(await listAll(store, ["ls"]));
        return left.length === 3 ? left : undefined;
      }, { timeoutMs: WAIT_MS, everyMs: 20 });
      assert.deepEqual(keys(await listAll(store, ["ls"])), ["ls/kept", "ls/other", "ls/plain"]);
      assert.equal((await store.get(["ls", "kept"])).value, "rewritten");
      await poll("lease.lost to resolve", () => Promise.resolve(lost ? true : undefined), {
        timeoutMs: WAIT_MS,
        everyMs: 10,
      });
      await other.revoke();
      assert.deepEqual(keys(await listAll(store, ["ls"])), ["ls/kept", "ls/plain"]);
    },
  ],

  ["watch sees puts and deletes under its prefix in commit order, and nothing else", async (store) => {
    const w = collect(store, ["w"]);
    try {
      const v1 = await put(store, ["w", "a"], { n: 1 });
      await put(store, ["wx", "sibling"], 1);
      await put(store, ["other"], 1);
      await put(store, ["w"], "the prefix itself");
      const v2 = await store.commit([], [
        { type: "set", key: ["w", "b", "deep"], value: 2 },
        { type: "delete", key: ["w", "a"] },
      ]);
      await w.until("the delete of w/a", (events) => events.some((e) => e.type === "delete"));
      assert.deepEqual(w.events.map(brief), ["put w/a", "put w/b/deep", "delete w/a"]);
      assert.deepEqual(w.events[0], { type: "put", key: ["w", "a"], value: { n: 1 }, version: v1 });
      assert.equal(w.events[2]!.value, null);
      assert.equal(v2.ok && w.events[2]!.version === v2.version, true);
      assert.equal(w.resyncs, 0);
    } finally {
      w.close();
    }
  }],

  ["a closed watch gets no more events", async (store) => {
    const closed = collect(store, ["wc"]);
    const open = collect(store, ["wc"]);
    try {
      await put(store, ["wc", "1"], 1);
      await closed.until("the first event on the watch to close", (e) => e.length === 1);
      closed.close();
      await put(store, ["wc", "2"], 2);
      await open.until("the second event on the open watch", (e) => e.length === 2);
      assert.deepEqual(closed.events.map(brief), ["put wc/1"]);
    } finally {
      open.close();
    }
  }],

  [
    "a commit over maxOperationsPerCommit throws StoreLimitError and writes nothing; one at the limit works",
    async (store) => {
      const max = store.limits.maxOperationsPerCommit;
      assert.ok(max >= 64, `maxOperationsPerCommit ${max}`);
      const sets = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ type: "set" as const, key: [prefix, `k${i}`], value: i }));
      await strictRejects(() => store.commit([], sets(max + 1, "over")), StoreLimitError);
      assert.deepEqual(await listAll(store, ["over"]), []);
      await strictRejects(
        () => store.commit([{ key: ["over", "check"], version: null }], sets(max, "over")),
        StoreLimitError,
      );
      assert.deepEqual(await listAll(store, ["over"]), []);
      const at = await store.commit([{ key: ["at", "check"], version: null }], sets(max - 1, "at"));
      assert.equal(at.ok, true);
      assert.equal((await listAll(store, ["at"])).length, max - 1);
    },
  ],

  [
    "a commit over maxCommitBytes throws StoreLimitError and writes nothing; one at the limit works",
    async (store) => {
      const max = store.limits.maxCommitBytes;
      const build = (prefix: string, total: number) => {
        const mutations: { type: "set"; key: string[]; value: string }[] = [];
        let left = total;
        for (let i = 0; left > 0; i++) {
          const key = [prefix, `k${String(i).padStart(3, "0")}`];
          const overhead = keySize(key) + 2; // the key and the JSON string's quotes
          let length = left - overhead;
          assert.ok(length >= 0, "the last chunk fits");
          if (length > 60_000) length = Math.min(60_000, length - 64); // leaves room for the next key
          mutations.push({ type: "set", key, value: "x".repeat(length) });
          left -= overhead + length;
        }
        assert.equal(commitSize([], mutations), total);
        assert.ok(
          mutations.length < store.limits.maxOperationsPerCommit,
          "the bytes case stays under the op limit",
        );
        return mutations;
      };
      await strictRejects(() => store.commit([], build("big", max + 1)), StoreLimitError);
      assert.deepEqual(await listAll(store, ["big"]), []);
      const at = build("fits", max);
      assert.equal((await store.commit([], at)).ok, true);
      const stored = await listAll<string>(store, ["fits"]);
      assert.equal(stored.length, at.length);
      assert.equal(
        stored.reduce((n, e) => n + e.value.length, 0),
        at.reduce((n, m) => n + m.value.length, 0),
      );
    },
  ],

  ["health answers writable with no problems", async (store) => {
    assert.deepEqual(await store.health(), { writable: true, problems: [] });
  }],

  ["keys and list bounds with an empty segment or a slash are refused with a TypeError", async (store) => {
    await strictRejects(() => store.get(["a", ""]), TypeError);
    await strictRejects(() => store.commit([], [{ type: "set", key: ["a/b"], value: 1 }]), TypeError);
    await strictRejects(() => store.commit([], [{ type: "set", key: [], value: 1 }]), TypeError);
    await strictRejects(() => store.commit([{ key: ["a", ""], version: null }], []), TypeError);
    await strictRejects(() => listAll(store, ["a"], { before: ["a", "b/c"] }), TypeError);
    await strictRejects(() => listAll(store, ["a/b"]), TypeError);
    assert.deepEqual(await listAll(store, ["a"]), []);
  }],
];

const SHARED_CASES: [string, Case][] = [
  ["a watch sees the commits of another Store instance on the same backend", async (store, opened) => {
    assert.ok(opened.another, "sharedAcrossInstances needs OpenedStore.another");
    const second = await opened.another();
    const w = collect(second, ["sh"]);
    try {
      const version = await put(store, ["sh", "k"], "from the first");
      await store.commit([], [{ type: "delete", key: ["sh", "k"] }]);
      await w.until("both events on the second instance", (e) => e.length === 2);
      assert.deepEqual(w.events.map(brief), ["put sh/k", "delete sh/k"]);
      assert.equal(w.events[0]!.version, version);
      assert.equal((await second.get(["sh", "k"])).version, null);
    } finally {
      w.close();
      await second.close();
    }
  }],

  ["a check by another Store instance sees this instance's version", async (store, opened) => {
    assert.ok(opened.another, "sharedAcrossInstances needs OpenedStore.another");
    const second = await opened.another();
    try {
      const version = await put(store, ["cx", "k"], 1);
      assert.equal((await second.get(["cx", "k"])).version, version);
      assert.equal(
        (await second.commit([{ key: ["cx", "k"], version }], [{ type: "set", key: ["cx", "k"], value: 2 }]))
          .ok,
        true,
      );
      assert.deepEqual(
        await store.commit([{ key: ["cx", "k"], version }], [{ type: "set", key: ["cx", "k"], value: 3 }]),
        { ok: false },
      );
      assert.equal((await store.get(["cx", "k"])).value, 2);
    } finally {
      await second.close();
    }
  }],
];

async function strictRejects(fn: () => Promise<unknown>, cls: new (...a: never[]) => Error): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    return true;
  });
}
