import assert from "node:assert/strict";
import { storeConformance } from "./conformance.ts";
import { openKvStore } from "./kv_store.ts";

storeConformance("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-kv-store-" });
  const store = await openKvStore(`${dir}/controller.kv`);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

Deno.test("KvStore: keys of a lease that ended with its process are invisible to the next one, and can be created again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-kv-store-" });
  try {
    const first = await openKvStore(`${dir}/controller.kv`);
    const lease = await first.grantLease(60_000);
    await first.commit([], [{ type: "set", key: ["presence", "c1"], value: "held", lease }]);
    assert.deepEqual((await first.get(["presence", "c1"])).value, "held");
    await first.close();
    const second = await openKvStore(`${dir}/controller.kv`);
    try {
      assert.deepEqual(await second.get(["presence", "c1"]), {
        key: ["presence", "c1"],
        value: null,
        version: null,
      });
      const created = await second.commit([{ key: ["presence", "c1"], version: null }], [
        { type: "set", key: ["presence", "c1"], value: "again" },
      ]);
      assert.deepEqual(created.ok, true);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
