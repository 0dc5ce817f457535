import assert from "node:assert/strict";
import { createCa } from "../shared/pki/ca.ts";
import { tempDir } from "../tests/support/paths.ts";
import { CaManager } from "./ca_manager.ts";
import { openKvStore } from "./store/kv_store.ts";

/** Two controllers sharing one KV: `a` and `b` open the same database file. */
async function twoControllers(dir: string) {
  const first = await createCa({ commonName: "First CA" });
  const kvA = await openKvStore(`${dir}/shared.kv`);
  const kvB = await openKvStore(`${dir}/shared.kv`);
  const a = await CaManager.open(kvA, first.ca, first.keyPem);
  const b = await CaManager.open(kvB, first.ca, first.keyPem);
  let changes = 0;
  a.onChange(() => changes++);
  return {
    a,
    b,
    changes: () => changes,
    async [Symbol.asyncDispose]() {
      await kvA.close();
      await kvB.close();
    },
  };
}

Deno.test("refreshing an unchanged CA state tells no listener (no bundle push, no reissue)", async () => {
  await using dir = await tempDir("postern-ca-manager-");
  await using c = await twoControllers(dir.path);
  const bundle = c.a.bundle;
  for (let i = 0; i < 3; i++) await c.a.refresh();
  assert.equal(c.changes(), 0);
  assert.equal(c.a.bundle, bundle);
});

Deno.test("a rotation step made by another controller reaches the listeners once, at the next refresh", async () => {
  await using dir = await tempDir("postern-ca-manager-");
  await using c = await twoControllers(dir.path);
  const next = await createCa({ commonName: "Next CA" });
  const added = await c.b.prepare(next.certPem, next.keyPem);
  await c.a.refresh();
  assert.equal(c.changes(), 1);
  assert.equal(c.a.bundle.pems().length, 2);
  await c.a.refresh();
  assert.equal(c.changes(), 1);

  await c.b.activate(added.fingerprint);
  await c.a.refresh();
  assert.equal(c.changes(), 2);
  assert.equal(c.a.signing.fingerprint, added.fingerprint);
  await c.a.refresh();
  assert.equal(c.changes(), 2);
});
