import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { openKvStore } from "../store/kv_store.ts";
import { put } from "../store/store.ts";
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
  let stop = false;
  let n = 0;
  const writer = (async () => {
    while (!stop) {
      n++;
      await store.commit([], [{ type: "set", key: key(0), value: n }, {
        type: "set",
        key: key(1199),
        value: n,
      }]);
      // About as often as a busy controller commits; a pass of 24 pages spans several commits.
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    for (let round = 0; round < 10; round++) {
      const entries = await snapshot(store, 50);
      assertEquals(entries.length, 1200);
      assertEquals(
        entries[0]!.value,
        entries[1199]!.value,
        `round ${round}: the first and last page disagree`,
      );
    }
  } finally {
    stop = true;
    await writer;
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
  await rejects(snapshot(store, 3), /the controller state kept changing over 3 reads: run backup again/);
  await store.close();
});
