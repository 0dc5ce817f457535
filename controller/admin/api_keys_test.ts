import { openKvStore } from "../store/kv_store.ts";
import assert from "node:assert/strict";
import { ApiKeyNameTaken, ApiKeyStore } from "./api_keys.ts";

Deno.test("ApiKeyStore: a key verifies until revoked; a changed secret, another id or a stranger's text never does", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const keys = new ApiKeyStore(kv, () => 1_000);
    const { key, record } = await keys.create("ci", "admin");
    assert.deepEqual([record.name, record.scope, record.createdAt], ["ci", "admin", 1_000]);
    assert.ok(!JSON.stringify(await keys.list()).includes(key.slice(21)), "the secret is stored");
    assert.equal((await keys.verify(key))?.id, record.id);
    const flipped = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    assert.equal(await keys.verify(flipped), undefined);
    assert.equal(await keys.verify(key.replace(record.id, "0".repeat(16))), undefined);
    for (const text of ["", "pak_", "pt_0123456789abcdef_" + "a".repeat(43), key + "x"]) {
      assert.equal(await keys.verify(text), undefined, text);
    }
    await assert.rejects(keys.create("ci", "read"), ApiKeyNameTaken);
    await assert.rejects(keys.create("../etc", "read"), TypeError);
    assert.equal((await keys.revoke(record.id))?.name, "ci");
    assert.equal(await keys.verify(key), undefined);
    assert.equal(await keys.revoke(record.id), undefined);
    // The name is free again once its key is revoked.
    assert.equal((await keys.create("ci", "read")).record.scope, "read");
  } finally {
    await kv.close();
  }
});
