import assert from "node:assert/strict";
import { ConfigError } from "../../shared/config/config_error.ts";
import { VERSION } from "../../shared/version.ts";
import { openKvStore } from "./kv_store.ts";
import { createLogger } from "../../shared/log/logger.ts";
import { ensureSchema, MIGRATION_KEY, OBSOLETE_AGENTS_REV, SCHEMA_KEY, SCHEMA_VERSION } from "./schema.ts";
import { put } from "./store.ts";

Deno.test("ensureSchema() writes the schema record into a store without one, and accepts it again", async () => {
  const store = await openKvStore(":memory:");
  try {
    await put(store, ["agents", "connector", "c1"], { id: "c1" }); // a store written before the record existed
    assert.deepEqual(await ensureSchema(store), SCHEMA_VERSION);
    assert.deepEqual((await store.get(SCHEMA_KEY)).value, { version: SCHEMA_VERSION, written_by: VERSION });
    const version = (await store.get(SCHEMA_KEY)).version;
    assert.deepEqual(await ensureSchema(store), SCHEMA_VERSION);
    assert.deepEqual(
      (await store.get(SCHEMA_KEY)).version,
      version,
      "an accepted record is not written again",
    );
  } finally {
    await store.close();
  }
});

Deno.test("ensureSchema() refuses a store of a newer schema, or a foreign record, with a ConfigError naming the fix", async () => {
  const store = await openKvStore(":memory:");
  try {
    await put(store, SCHEMA_KEY, { version: SCHEMA_VERSION + 1, written_by: "9.0.0" });
    await assert.rejects(
      () => ensureSchema(store),
      (e) =>
        e instanceof ConfigError &&
        e.message.includes(
          `the store holds schema version ${
            SCHEMA_VERSION + 1
          } (written by Postern "9.0.0"); this controller (Postern ${VERSION}) understands schema version ${SCHEMA_VERSION} at most: run a release at least as new as the one that wrote it`,
        ),
    );
    await put(store, SCHEMA_KEY, { version: "1" });
    await assert.rejects(
      () => ensureSchema(store),
      (e) =>
        e instanceof ConfigError &&
        e.message.includes(
          `the store's schema record (meta/schema) holds {"version":"1"}, which Postern did not write`,
        ),
    );
    assert.deepEqual(
      (await store.get(SCHEMA_KEY)).value,
      { version: "1" },
      "a refused record is left as it was",
    );
  } finally {
    await store.close();
  }
});

Deno.test("ensureSchema() migrates a 0.2.0 Deno KV store (no schema record, the agents_rev u64 counter) once", async () => {
  const dir = await Deno.makeTempDir();
  // What 0.2.0 wrote: the counter as a Deno KV u64, beside the records.
  const raw = await Deno.openKv(`${dir}/state.kv`);
  await raw.atomic().sum([...OBSOLETE_AGENTS_REV], 7n).set(["agents", "connector", "c1"], { id: "c1" })
    .commit();
  raw.close();
  const store = await openKvStore(`${dir}/state.kv`);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  try {
    assert.deepEqual(await ensureSchema(store, { log }), SCHEMA_VERSION);
    assert.deepEqual((await store.get(OBSOLETE_AGENTS_REV)).version, null, "the obsolete counter is gone");
    assert.deepEqual((await store.get(SCHEMA_KEY)).value, { version: SCHEMA_VERSION, written_by: VERSION });
    assert.deepEqual((await store.get(["agents", "connector", "c1"])).value, { id: "c1" }, "records kept");
    assert.deepEqual((await store.get(MIGRATION_KEY)).version, null, "the lock is released");
    await ensureSchema(store, { log });
    assert.deepEqual(lines.filter((l) => l.includes("store migrated")).length, 1);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureSchema() on a new store writes the schema record without a migration line", async () => {
  const store = await openKvStore(":memory:");
  const lines: string[] = [];
  try {
    assert.deepEqual(
      await ensureSchema(store, { log: createLogger({ write: (l) => lines.push(l) }) }),
      SCHEMA_VERSION,
    );
    assert.deepEqual(lines.filter((l) => l.includes("store migrated")), []);
  } finally {
    await store.close();
  }
});
