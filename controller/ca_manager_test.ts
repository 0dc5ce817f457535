import assert from "node:assert/strict";
import { createCa } from "../shared/pki/ca.ts";
import { tempDir } from "../tests/support/paths.ts";
import { CaManager } from "./ca_manager.ts";
import { openKvStore } from "./store/kv_store.ts";
import type { Store } from "./store/store.ts";
import { waitFor } from "../tests/support/wait_for.ts";

/**
 * Two controllers sharing one store: `a` and `b` hold one Store instance (its watch delivers
 * each one's commits to the other, as etcd's watch does across processes).
 */
async function twoControllers(store: Store) {
  const first = await createCa({ commonName: "First CA" });
  const a = await CaManager.open(store, first.ca, first.keyPem);
  const b = await CaManager.open(store, first.ca, first.keyPem);
  let changes = 0;
  a.onChange(() => changes++);
  return {
    a,
    b,
    changes: () => changes,
    [Symbol.dispose]() {
      a.close();
      b.close();
    },
  };
}

async function sharedStore(dir: string) {
  const store = await openKvStore(`${dir}/shared.kv`);
  return Object.assign(store, { [Symbol.asyncDispose]: () => store.close() });
}

Deno.test("refreshing an unchanged CA state tells no listener (no bundle push, no reissue)", async () => {
  await using dir = await tempDir("postern-ca-manager-");
  await using store = await sharedStore(dir.path);
  using c = await twoControllers(store);
  const bundle = c.a.bundle;
  for (let i = 0; i < 3; i++) await c.a.refresh();
  assert.equal(c.changes(), 0);
  assert.equal(c.a.bundle, bundle);
});

Deno.test("a rotation step made through another controller reaches the listeners once, by the store's watch", async () => {
  await using dir = await tempDir("postern-ca-manager-");
  await using store = await sharedStore(dir.path);
  using c = await twoControllers(store);
  const next = await createCa({ commonName: "Next CA" });
  const added = await c.b.prepare(next.certPem, next.keyPem);
  await waitFor(
    "a to trust the prepared CA",
    () => Promise.resolve(c.a.bundle.pems().length === 2 || undefined),
  );
  assert.equal(c.changes(), 1);
  await c.a.refresh();
  assert.equal(c.changes(), 1, "a refresh of the same state changes nothing");

  await c.b.activate(added.fingerprint);
  await waitFor(
    "a to sign with the activated CA",
    () => Promise.resolve(c.a.signing.fingerprint === added.fingerprint || undefined),
  );
  assert.equal(c.changes(), 2);
  await c.a.refresh();
  assert.equal(c.changes(), 2);

  c.a.close();
  await c.b.retire(c.b.describe().find((x) => !x.signing)!.fingerprint);
  await c.a.refresh();
  assert.equal(c.a.bundle.pems().length, 1, "a closed manager still follows by refresh()");
});
