/**
 * The CA manager writes CA private keys sealed into a shared store and loads only keys that open:
 * a store read without the sealing key shows no key, and a CA slipped into the state by someone
 * who can write to the store but lacks the key is never trusted.
 */
import { CA_STATE_KEY, CaManager } from "../ca_manager.ts";
import { createCa } from "../../shared/pki/ca.ts";
import assert from "node:assert/strict";
import { openKvStore } from "./kv_store.ts";
import { isSealed, sealedCaKeys, SealingKey } from "./sealed_key.ts";
import { put, type Store } from "./store.ts";

interface State {
  cas: { fingerprint: string; certPem: string; keyPem: string; addedAt: number }[];
  signing: string;
  retired: string[];
}

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "postern-sealed-ca-" });
  const store = await openKvStore(`${dir}/state.kv`);
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const sealing = () => SealingKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));

Deno.test("CaManager with sealed CA keys stores no clear key, and another sealing key cannot load it", async () => {
  await withStore(async (store) => {
    const { ca, keyPem } = await createCa({ commonName: "Sealed CA" });
    const key = await sealing();
    const first = await CaManager.open(store, ca, keyPem, sealedCaKeys(key));
    first.close();
    const state = (await store.get<State>(CA_STATE_KEY)).value!;
    assert.deepEqual(state.cas.length, 1);
    assert.ok(isSealed(state.cas[0]!.keyPem), "the stored CA key is not sealed");
    assert.ok(!JSON.stringify(state).includes("PRIVATE KEY"), "a private key shows in the stored state");

    const again = await CaManager.open(store, ca, keyPem, sealedCaKeys(key));
    assert.deepEqual(again.describe().map((c) => c.fingerprint), [ca.fingerprint]);
    again.close();

    const wrong = await CaManager.open(store, ca, keyPem, sealedCaKeys(await sealing())).then(
      (m) => (m.close(), null),
      (e: unknown) => e,
    );
    assert.ok(wrong instanceof Error, "a manager with another sealing key loaded the CA");
    assert.ok(
      wrong.message.includes("the signing CA") && wrong.message.includes("cannot be loaded"),
      wrong.message,
    );
  });
});

Deno.test("CaManager with sealed CA keys never trusts a CA written to the store in clear", async () => {
  await withStore(async (store) => {
    const { ca, keyPem } = await createCa({ commonName: "Sealed CA" });
    const key = await sealing();
    (await CaManager.open(store, ca, keyPem, sealedCaKeys(key))).close();
    // Someone with write access to the store but not the sealing key adds a CA of their own.
    const intruder = await createCa({ commonName: "Intruder CA" });
    const state = (await store.get<State>(CA_STATE_KEY)).value!;
    state.cas.push({
      fingerprint: intruder.ca.fingerprint,
      certPem: intruder.certPem,
      keyPem: intruder.keyPem,
      addedAt: Date.now(),
    });
    await put(store, CA_STATE_KEY, state);
    const m = await CaManager.open(store, ca, keyPem, sealedCaKeys(key));
    try {
      assert.deepEqual(m.describe().map((c) => c.fingerprint), [ca.fingerprint]);
      assert.deepEqual(m.bundle.fingerprints(), [ca.fingerprint]);
    } finally {
      m.close();
    }
  });
});
