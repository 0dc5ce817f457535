import assert from "node:assert/strict";
import { AccessStore } from "./access.ts";
import { KvStore } from "../store/kv_store.ts";
import { openStateKv, secureStateDir } from "../state_dir.ts";
import { backupState } from "../backup/backup.ts";
import { restoreState } from "../backup/restore.ts";

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

Deno.test("AccessStore.onChange() is called once per burst of changes", async () => {
  const { store, close } = await open();
  try {
    let calls = 0;
    const stop = store.onChange(() => calls++);
    await Promise.all([
      store.put("groups", { name: "a", tunnelers: [] }),
      store.put("groups", { name: "b", tunnelers: [] }),
    ]);
    await new Promise((r) => setTimeout(r, 0));
    assert.ok(calls >= 1 && calls <= 2, `${calls} calls`);
    const seen = calls;
    stop();
    await store.put("groups", { name: "c", tunnelers: [] });
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(calls, seen, "no call after stop");
  } finally {
    close();
  }
});

Deno.test("backup and restore carry resources, groups and policies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-access-backup-" });
  try {
    await secureStateDir(`${dir}/state`);
    const kv = await openStateKv(`${dir}/state`);
    const before = new AccessStore(new KvStore(kv));
    await before.put("resources", {
      name: "db",
      address: "db.internal:5432",
      connectors: ["c1"],
      note: "pg",
    });
    await before.put("groups", { name: "eng", tunnelers: ["alice"] });
    await before.put("policies", { name: "p", groups: ["eng"], tunnelers: [], resources: ["db"] });
    const model = await before.model();
    kv.close();
    const file = await backupState({
      config: { kind: "kv", stateDir: `${dir}/state` },
      caKeys: { passphrase: "p".repeat(12) },
      iterations: 1000,
    });
    assert.ok(file.prefixes.includes("access"));
    await restoreState({
      config: { kind: "kv", stateDir: `${dir}/fresh` },
      file,
      caKeys: { passphrase: "p".repeat(12) },
    });
    const restoredKv = await openStateKv(`${dir}/fresh`);
    try {
      assert.deepEqual(await new AccessStore(new KvStore(restoredKv)).model(), model);
    } finally {
      restoredKv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
