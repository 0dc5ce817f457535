import assert from "node:assert/strict";
import { AccessStore } from "./access.ts";
import { KvStore } from "../store/kv_store.ts";

async function open(): Promise<{ store: AccessStore; close: () => void }> {
  const kv = await Deno.openKv(":memory:");
  return { store: new AccessStore(new KvStore(kv)), close: () => kv.close() };
}

Deno.test("AccessStore keeps, lists, deletes and restores resources, groups and policies", async () => {
  const { store, close } = await open();
  try {
    await store.put("resources", { name: "db", address: "db.internal:5432", connectors: ["c1"] });
    await store.put("groups", { name: "eng", tunnelers: ["alice"] });
    await store.put("policies", { name: "p", groups: ["eng"], tunnelers: ["bob"], resources: ["db"] });
    assert.deepEqual((await store.model()).resources.map((r) => r.name), ["db"]);
    assert.equal(await store.names("bob"), true);
    assert.equal(await store.names("carol"), false);
    assert.equal(await store.delete("groups", "eng"), true);
    assert.equal(await store.delete("groups", "eng"), false);
    assert.equal(await store.get("groups", "eng"), undefined);
    await store.replaceAll({ resources: [], groups: [{ name: "ops", tunnelers: [] }], policies: [] });
    const m = await store.model();
    assert.deepEqual([m.resources, m.groups.map((g) => g.name), m.policies], [[], ["ops"], []]);
  } finally {
    close();
  }
});
