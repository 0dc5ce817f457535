import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { snapshot } from "./snapshot.ts";

Deno.test("a snapshot over several pages never mixes states while a writer commits pairs atomically", async () => {
  const kv = await Deno.openKv(":memory:");
  for (let i = 0; i < 1200; i += 400) {
    let op = kv.atomic();
    for (let j = i; j < i + 400; j++) op = op.set(["p", j], 0);
    await op.commit();
  }
  let stop = false;
  let n = 0;
  const writer = (async () => {
    while (!stop) {
      n++;
      await kv.atomic().set(["p", 0], n).set(["p", 1199], n).commit();
      // About as often as a busy controller commits; a pass of 24 pages spans several commits.
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    for (let round = 0; round < 10; round++) {
      const entries = await snapshot(kv, 50);
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
    kv.close();
  }
});

Deno.test("a store that changes between every read makes the snapshot give up naming the fix", async () => {
  const kv = await Deno.openKv(":memory:");
  let n = 0;
  const real = kv.list.bind(kv);
  // Each listing moves the store on, as a busy writer would.
  (kv as { list: typeof kv.list }).list = (sel, opts) => {
    void kv.set(["k"], n++);
    return real(sel, opts);
  };
  await kv.set(["k"], -1);
  await rejects(snapshot(kv, 3), /the controller state kept changing over 3 reads: run backup again/);
  kv.close();
});
