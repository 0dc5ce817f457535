import assert from "node:assert/strict";
import { ConfigError } from "../../shared/config/config_error.ts";
import { openStateKv, secureStateDir } from "../state_dir.ts";
import { RESTORE_MARKER } from "./adopt.ts";
import { backupState, writeBackupFile } from "./backup.ts";
import { backupCommand } from "./cli.ts";
import { type BackupEntry, CA_STATE_KEY, entriesDigest } from "./format.ts";
import { parseBackupFile, restoreState } from "./restore.ts";
import type { StoreConfig } from "../store/open.ts";
import { openKvStore } from "../store/kv_store.ts";
import { SCHEMA_VERSION } from "../store/schema.ts";

const kv = (stateDir: string): StoreConfig => ({ kind: "kv", stateDir });

const SECRET_KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n";
const caState = {
  cas: [{ fingerprint: "ab", certPem: "CERT", keyPem: SECRET_KEY, addedAt: 1 }],
  signing: "ab",
  retired: [],
};

async function seeded(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "postern-backup-" });
  await secureStateDir(`${dir}/state`);
  const store = await openKvStore(`${dir}/state/controller.kv`);
  const many = Array.from({ length: 250 }, (_, i) => ({
    type: "set" as const,
    key: ["events", `e${String(i).padStart(3, "0")}`],
    value: { kind: "x", nested: { a: [i, "b", null] } },
  }));
  await store.commit([], [
    { type: "set", key: [...CA_STATE_KEY], value: caState },
    {
      type: "set",
      key: ["agents", "tunneler", "t1"],
      value: { id: "t1", certificates: [{ serial: "01", notAfter: 5 }] },
    },
    { type: "set", key: ["some_future_key_space", "k"], value: { n: 12345678901234, s: "ü" } },
    ...many,
  ]);
  await store.close();
  // The Deno KV counter that controllers wrote before the store seam: backed up, skipped by restore.
  const raw = await openStateKv(`${dir}/state`);
  await raw.atomic().sum(["registry", "agents_rev"], 7n).commit();
  raw.close();
  return dir;
}

async function dump(stateDir: string): Promise<Array<[Deno.KvKey, unknown]>> {
  const kv = await openStateKv(stateDir);
  const out: Array<[Deno.KvKey, unknown]> = [];
  for await (const e of kv.list({ prefix: [] })) out.push([e.key, e.value]);
  kv.close();
  return out;
}

Deno.test("backup and restore carry every key space, in batches, skipping the old KV counter; the CA key is only in the sealed block", async () => {
  const dir = await seeded();
  try {
    const file = await backupState({
      config: kv(`${dir}/state`),
      caKeys: { passphrase: "p".repeat(12) },
      iterations: 1000,
    });
    assert.deepEqual(file.prefixes, ["agents", "ca", "events", "registry", "some_future_key_space"]);
    assert.ok(!JSON.stringify(file).includes("secret-key-material"), "the CA key is not in clear");
    await writeBackupFile(`${dir}/b.json`, file);
    assert.deepEqual((await Deno.stat(`${dir}/b.json`)).mode! & 0o777, 0o600);
    await assert.rejects(writeBackupFile(`${dir}/b.json`, file), /already exists: choose another --out/);

    const parsed = parseBackupFile(await Deno.readTextFile(`${dir}/b.json`), "b.json");
    const res = await restoreState({
      config: kv(`${dir}/fresh`),
      file: parsed,
      caKeys: { passphrase: "p".repeat(12) },
      now: () => 99,
    });
    assert.deepEqual(res, { entries: 253, keylessCas: [] });
    const original = (await dump(`${dir}/state`)).filter(([k]) => String(k) !== "registry,agents_rev");
    const restored = await dump(`${dir}/fresh`);
    const marker = restored.find(([k]) => String(k) === String(RESTORE_MARKER));
    assert.deepEqual(marker?.[1], { takenAt: Date.parse(file.taken_at), restoredAt: 99 });
    assert.deepEqual(restored.filter(([k]) => String(k) !== String(RESTORE_MARKER)), original);
    assert.ok(
      (await Deno.stat(`${dir}/fresh`)).mode! & 0o077 ? false : true,
      "the restored state directory is 0700",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("restore refuses a wrong passphrase, an altered file and a store that holds anything", async () => {
  const dir = await seeded();
  try {
    const file = await backupState({
      config: kv(`${dir}/state`),
      caKeys: { passphrase: "right-passphrase" },
      iterations: 1000,
    });
    await assert.rejects(
      restoreState({ config: kv(`${dir}/a`), file, caKeys: { passphrase: "wrong-passphrase" } }),
      (e) => e instanceof ConfigError && /the passphrase does not open the CA keys/.test(e.message),
    );
    const altered = structuredClone(file);
    altered.entries[1]!.value = {
      type: "json",
      value: { id: "t1", certificates: [{ serial: "ff", notAfter: 9e12 }] },
    };
    await assert.rejects(
      restoreState({ config: kv(`${dir}/b`), file: altered, caKeys: { passphrase: "right-passphrase" } }),
      (e) => e instanceof ConfigError && /do not match its entries_sha256/.test(e.message),
    );
    const moved = { ...structuredClone(file), taken_at: new Date(0).toISOString() };
    await assert.rejects(
      restoreState({ config: kv(`${dir}/c`), file: moved, caKeys: { passphrase: "right-passphrase" } }),
      /the passphrase does not open the CA keys of this backup \(or the file was altered\)/,
    );
    await assert.rejects(
      restoreState({ config: kv(`${dir}/state`), file, caKeys: { passphrase: "right-passphrase" } }),
      (e) =>
        e instanceof ConfigError &&
        /already holds controller state: restore only into an empty directory/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a backup without the CA key restores only with the configured signing CA", async () => {
  const dir = await seeded();
  try {
    const file = await backupState({ config: kv(`${dir}/state`), caKeys: "omit" });
    assert.deepEqual(file.ca_keys, "omitted");
    assert.deepEqual(file.sealed_ca_keys, undefined);
    assert.ok(!JSON.stringify(file).includes("secret-key-material"));
    await assert.rejects(
      restoreState({ config: kv(`${dir}/a`), file, caKeys: { passphrase: "x" } }),
      /taken --without-ca-key: restore it without --key-passphrase-file/,
    );
    await assert.rejects(
      restoreState({
        config: kv(`${dir}/b`),
        file,
        caKeys: { configured: { fingerprint: "cd" } as never, keyPem: "K" },
      }),
      /the backup's signing CA ab has no key here/,
    );
    await restoreState({
      config: kv(`${dir}/c`),
      file,
      caKeys: { configured: { fingerprint: "ab" } as never, keyPem: SECRET_KEY },
    });
    const ca = (await dump(`${dir}/c`)).find(([k]) => String(k) === String(CA_STATE_KEY));
    assert.deepEqual(ca?.[1], caState);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backup refuses to run until told what to do with the CA key (exit 2)", async () => {
  const choice =
    /backup must be told what to do with the CA private key: backup --out FILE with --key-passphrase-file FILE .* or --without-ca-key/;
  await assert.rejects(
    backupCommand(["--out", "/nonexistent/x"], {}),
    (e) => e instanceof ConfigError && choice.test(e.message),
  );
  await assert.rejects(
    backupCommand(["--out", "x", "--without-ca-key", "--key-passphrase-file", "p"], {}),
    /--key-passphrase-file and --without-ca-key exclude each other/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/short`, "short\n");
    await assert.rejects(
      backupCommand(["--out", `${dir}/o`, "--key-passphrase-file", `${dir}/short`], {}),
      /holds 5 characters: use at least 12/,
    );
    await assert.rejects(
      backupCommand(["--out", `${dir}/o`, "--without-ca-key"], { CONTROLLER_STATE_DIR: `${dir}/none` }),
      (e) =>
        e instanceof ConfigError && /no controller state in ".*none" \(no controller.kv\)/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("restore names the file and the fix for a file that is not a backup or of another format version", () => {
  const refuse = (text: string, re: RegExp) =>
    assert.rejects(
      () => Promise.resolve().then(() => parseBackupFile(text, "x.json")),
      (e) => e instanceof ConfigError && re.test(e.message),
    );
  return Promise.all([
    refuse("{", /backup file "x.json" is not JSON/),
    refuse('{"format":"other"}', /"x.json" is not a Postern controller backup/),
    refuse(
      '{"format":"postern-controller-backup","version":2}',
      /has format version 2; this release reads version 1: restore with the release that wrote it/,
    ),
  ]).then(() => {});
});

Deno.test("restore refuses, by key, an entry the store cannot keep (a non-text key part, a non-JSON value)", async () => {
  const dir = await seeded();
  try {
    const base = await backupState({ config: kv(`${dir}/state`), caKeys: "omit" });
    const withEntry = async (entry: BackupEntry) => {
      const entries = [...base.entries, entry];
      return { ...base, entries, entries_sha256: await entriesDigest(entries) };
    };
    const caKeys = { configured: { fingerprint: "ab" } as never, keyPem: SECRET_KEY };
    await assert.rejects(
      restoreState({
        config: kv(`${dir}/a`),
        file: await withEntry({ key: [["s", "events"], ["n", "17"]], value: { type: "json", value: 1 } }),
        caKeys,
      }),
      (e) =>
        e instanceof ConfigError &&
        e.message.includes('the backup holds key ["events","17"], which the store cannot keep'),
    );
    await assert.rejects(
      restoreState({
        config: kv(`${dir}/b`),
        file: await withEntry({ key: [["s", "blob"]], value: { type: "bytes", value: "AQID" } }),
        caKeys,
      }),
      (e) =>
        e instanceof ConfigError &&
        e.message.includes('the backup holds a "bytes" value at key ["blob"], which the store cannot keep'),
    );
    await assert.rejects(Deno.stat(`${dir}/b`), Deno.errors.NotFound, "the refused restore created nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("restore refuses a backup of a newer schema version and writes nothing", async () => {
  const dir = await seeded();
  try {
    const base = await backupState({ config: kv(`${dir}/state`), caKeys: "omit" });
    const entries = [...base.entries, {
      key: [["s", "meta"], ["s", "schema"]],
      value: { type: "json", value: { version: SCHEMA_VERSION + 1, written_by: "9.0.0" } },
    }] as BackupEntry[];
    const file = { ...base, entries, entries_sha256: await entriesDigest(entries) };
    await assert.rejects(
      restoreState({
        config: kv(`${dir}/a`),
        file,
        caKeys: { configured: { fingerprint: "ab" } as never, keyPem: SECRET_KEY },
      }),
      (e) =>
        e instanceof ConfigError &&
        e.message.startsWith(
          `cannot restore this backup: the backup holds schema version ${SCHEMA_VERSION + 1}`,
        ),
    );
    await assert.rejects(Deno.stat(`${dir}/a`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("restore gives revoked certificates their expiry again and leaves out those already past notAfter", async () => {
  const dir = await seeded();
  try {
    const base = await backupState({ config: kv(`${dir}/state`), caKeys: "omit" });
    const revoked = (serial: string, notAfter: number): BackupEntry => ({
      key: [["s", "revoked_certificates"], ["s", serial]],
      value: { type: "json", value: { serial, notAfter, role: "tunneler", id: "t1", cause: "revoked" } },
    });
    const entries = [...base.entries, revoked("0a", 500), revoked("0b", 9e12)];
    const file = { ...base, entries, entries_sha256: await entriesDigest(entries) };
    const res = await restoreState({
      config: kv(`${dir}/fresh`),
      file,
      caKeys: { configured: { fingerprint: "ab" } as never, keyPem: SECRET_KEY },
      now: () => 1000,
    });
    assert.deepEqual(res.entries, 254);
    const store = await openKvStore(`${dir}/fresh/controller.kv`);
    try {
      const [past, valid] = await store.getMany([["revoked_certificates", "0a"], [
        "revoked_certificates",
        "0b",
      ]]);
      assert.deepEqual(past?.value, null);
      assert.deepEqual((valid?.value as { notAfter: number }).notAfter, 9e12);
    } finally {
      await store.close();
    }
    const raw = (await dump(`${dir}/fresh`)).find(([k]) => String(k) === "revoked_certificates,0b");
    assert.ok(raw?.[1] instanceof Map, "the restored entry expires (it carries its deadline)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
