import assert from "node:assert/strict";
import { openKvStore } from "../store/kv_store.ts";
import { type ListOptions, put, type StoreKey } from "../store/store.ts";
import { snapshot } from "./snapshot.ts";

const key = (j: number) => ["p", String(j).padStart(4, "0")];

Deno.test("a snapshot over several pages never mixes states while a writer commits pairs atomically", async () => {
  const store = await openKvStore(":memory:");
  for (let i = 0; i < 1200; i += 400) {
    await store.commit(
      [],
      Array.from({ length: 400 }, (_, j) => ({ type: "set" as const, key: key(i + j), value: 0 })),
    );
  }
  // The writer commits one pair (first and last key) in the middle of a listing, after its first
  // page: the pass that saw it holds the old first key and the new last key.
  let n = 0;
  let midPassCommits = 0;
  const mixedPasses: number[] = [];
  const real = store.list.bind(store);
  (store as { list: typeof store.list }).list = <T>(prefix: StoreKey, options?: ListOptions) =>
    (async function* () {
      let i = 0;
      let first: unknown;
      for await (const e of real<T>(prefix, options)) {
        if (i === 0) first = e.value;
        if (i === 1199 && e.value !== first) mixedPasses.push(n);
        yield e;
        if (++i === 600 && midPassCommits > 0) {
          midPassCommits--;
          n++;
          await store.commit([], [
            { type: "set", key: key(0), value: n },
            { type: "set", key: key(1199), value: n },
          ]);
        }
      }
    })();
  try {
    for (let round = 0; round < 5; round++) {
      midPassCommits = 2; // the first two passes of this snapshot each see a commit
      const entries = await snapshot(store);
      assert.deepEqual(entries.length, 1200);
      assert.deepEqual(entries[0]!.value, n, `round ${round}: the snapshot holds the last commit`);
      assert.deepEqual(entries[1199]!.value, n, `round ${round}: the first and last page disagree`);
    }
    assert.deepEqual(mixedPasses.length, 10, "every pass that saw a commit mixed two states");
  } finally {
    await store.close();
  }
});

Deno.test("a store that changes between every read makes the snapshot give up naming the fix", async () => {
  const store = await openKvStore(":memory:");
  let n = 0;
  const real = store.list.bind(store);
  // Each listing moves the store on, as a busy writer would.
  (store as { list: typeof store.list }).list = (prefix, options) => {
    void put(store, ["k"], n++);
    return real(prefix, options);
  };
  await put(store, ["k"], -1);
  await assert.rejects(
    snapshot(store, 3),
    /the controller state kept changing over 3 reads: run backup again/,
  );
  await store.close();
});
