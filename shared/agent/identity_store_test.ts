import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../config/config_error.ts";
import { makeTestPki, type TestPki } from "../pki/testing.ts";
import { TrustBundle } from "../pki/bundle.ts";
import { IdentityStore, type StoredIdentity } from "./identity_store.ts";

const modeOf = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

async function identity(pki: TestPki, id = "c1"): Promise<StoredIdentity> {
  const svid = await pki.issue("connector", id, { ipSans: ["10.0.0.5"] });
  return {
    svid,
    bundle: pki.bundle,
    meta: {
      spiffe_id: svid.spiffeId.uri,
      role: "connector",
      id,
      trust_domain: "postern.internal",
      enrolled_at: "2026-01-01T00:00:00.000Z",
    },
  };
}

/** Writes `a` in the layout of earlier versions: four files, the key 0600. */
async function writeLegacy(dir: string, a: StoredIdentity): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(join(dir, "key.pem"), a.svid.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(join(dir, "cert.pem"), a.svid.certPem);
  await Deno.writeTextFile(join(dir, "bundle.pem"), a.bundle.toPem());
  await Deno.writeTextFile(join(dir, "identity.json"), JSON.stringify(a.meta));
}

Deno.test("IdentityStore.save() creates the state directory 0700 and credentials.json 0600 whatever the umask", async () => {
  const root = await Deno.makeTempDir();
  // A wide umask would give 0777 / 0666 to files created without an explicit chmod.
  const old = Deno.umask(0);
  try {
    const store = new IdentityStore(join(root, "a", "state"));
    await store.save(await identity(await makeTestPki()));
    assert.deepEqual(await modeOf(store.dir), 0o700);
    assert.deepEqual(await modeOf(store.path), 0o600);
    assert.deepEqual([...Deno.readDirSync(store.dir)].map((e) => e.name), ["credentials.json"]);
  } finally {
    Deno.umask(old);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore.save() narrows a state directory others can enter to 0700 and a widened file to 0600", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new IdentityStore(join(root, "state"));
    await Deno.mkdir(store.dir);
    await Deno.chmod(store.dir, 0o755);
    const pki = await makeTestPki();
    await store.save(await identity(pki));
    assert.deepEqual(await modeOf(store.dir), 0o700);
    await Deno.chmod(store.path, 0o644);
    await store.save(await identity(pki));
    assert.deepEqual(await modeOf(store.path), 0o600);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore.load() refuses a key file others can read, naming the file and the fix", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new IdentityStore(join(root, "state"));
    await store.save(await identity(await makeTestPki()));
    await Deno.chmod(store.path, 0o640);
    await assert.rejects(store.load(), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.deepEqual(
        e.message,
        `private key file ${store.path} has mode 640: other users may read it; run chmod 600 ${store.path} (and enroll again with a new token if it may have been copied)`,
      );
      return true;
    });
    // The old layout's key.pem is held to the same rule.
    const legacy = new IdentityStore(join(root, "legacy"));
    await writeLegacy(legacy.dir, await identity(await makeTestPki()));
    await Deno.chmod(join(legacy.dir, "key.pem"), 0o644);
    await assert.rejects(legacy.load(), /private key file .*key\.pem has mode 644: other users may read it/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore reads the four files of earlier versions and the next save replaces them with credentials.json", async () => {
  const root = await Deno.makeTempDir();
  try {
    const pki = await makeTestPki();
    const a = await identity(pki);
    const store = new IdentityStore(join(root, "state"));
    await writeLegacy(store.dir, a);
    assert.ok(await store.exists());
    assert.deepEqual(await store.keyFile(), join(store.dir, "key.pem"));
    const loaded = await store.load();
    assert.deepEqual(loaded.svid.certPem, a.svid.certPem);
    assert.deepEqual(loaded.meta, a.meta);
    // A trust-bundle push is the first save after an upgrade: it migrates.
    const next = await makeTestPki();
    const both = TrustBundle.fromPem(pki.caPem + next.caPem);
    await store.saveBundle(both);
    assert.deepEqual([...Deno.readDirSync(store.dir)].map((e) => e.name), ["credentials.json"]);
    assert.deepEqual(await store.keyFile(), store.path);
    const migrated = await store.load();
    assert.deepEqual(migrated.svid.keyPem, a.svid.keyPem);
    assert.deepEqual(migrated.bundle.fingerprints(), both.fingerprints());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore.save() and saveBundle() called together apply in order and never interleave", async () => {
  const root = await Deno.makeTempDir();
  try {
    const pki = await makeTestPki();
    const store = new IdentityStore(join(root, "state"));
    const [a, b] = [await identity(pki), await identity(pki)];
    await store.save(a);
    const next = await makeTestPki();
    const both = TrustBundle.fromPem(pki.caPem + next.caPem);
    // A second store on the same directory (as a reload would build) shares the order.
    const twin = new IdentityStore(store.dir);
    await Promise.all([store.save(b), twin.saveBundle(both), store.save(a), twin.saveBundle(pki.bundle)]);
    const last = await store.load();
    assert.deepEqual(last.svid.keyPem, a.svid.keyPem);
    assert.deepEqual(last.bundle.fingerprints(), pki.bundle.fingerprints());
    await Promise.all([store.save(a), twin.saveBundle(both)]);
    assert.deepEqual((await store.load()).bundle.fingerprints(), both.fingerprints());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore.save() removes the temporary files an interrupted save left (each holds a key)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new IdentityStore(join(root, "state"));
    const a = await identity(await makeTestPki());
    await store.save(a);
    await Deno.writeTextFile(`${store.path}.tmp-deadbeef`, a.svid.keyPem, { mode: 0o600 });
    await store.save(a);
    assert.deepEqual([...Deno.readDirSync(store.dir)].map((e) => e.name), ["credentials.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("IdentityStore.load() names the file when credentials.json is not an identity", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new IdentityStore(join(root, "state"));
    await Deno.mkdir(store.dir, { mode: 0o700 });
    await Deno.writeTextFile(store.path, `{"format":"postern-agent-identity/1","meta":{}}`, { mode: 0o600 });
    await assert.rejects(
      store.load(),
      { message: `stored identity in ${store.dir} is unusable: ${store.path} has no "key_pem"` },
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
