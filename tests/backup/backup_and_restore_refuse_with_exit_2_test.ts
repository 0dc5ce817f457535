/**
 * The real `postern-controller` exits 2 with one line naming the fix when `backup` is not told what
 * to do with the CA key, and when `restore` is pointed at a state directory that holds anything.
 */
import assert from "node:assert/strict";
import { backupState, writeBackupFile } from "../../controller/backup/backup.ts";
import { openStateKv, secureStateDir } from "../../controller/state_dir.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";

const failure = (lines: string[]) =>
  lines.find((l) => l.startsWith("postern-controller:")) ?? lines.join("\n");

Deno.test("backup without --key-passphrase-file or --without-ca-key exits 2 explaining the choice", async () => {
  await using dir = await tempDir();
  const p = startProgram("controller", {
    args: ["backup", "--out", `${dir.path}/b.json`],
    env: { CONTROLLER_STATE_DIR: `${dir.path}/state` },
  });
  assert.deepEqual(await p.exited, 2);
  assert.ok(
    failure(p.lines).includes(
      "backup must be told what to do with the CA private key: backup --out FILE with --key-passphrase-file FILE",
    ),
    p.lines.join("\n"),
  );
  await Deno.stat(`${dir.path}/b.json`).then(() => assert.ok(false, "no file is written"), () => {});
});

Deno.test("restore into a state directory that holds controller state exits 2 and changes nothing", async () => {
  await using dir = await tempDir();
  const state = `${dir.path}/state`;
  await secureStateDir(state);
  const kv = await openStateKv(state);
  await kv.set(["agents", "tunneler", "t1"], { id: "t1" });
  kv.close();
  await writeBackupFile(
    `${dir.path}/b.json`,
    await backupState({ config: { kind: "kv", stateDir: state }, caKeys: "omit" }),
  );
  await Deno.writeTextFile(`${dir.path}/pass`, "a passphrase long enough\n");
  const p = startProgram("controller", {
    args: ["restore", "--in", `${dir.path}/b.json`, "--key-passphrase-file", `${dir.path}/pass`],
    env: { CONTROLLER_STATE_DIR: state },
  });
  assert.deepEqual(await p.exited, 2);
  assert.ok(failure(p.lines).includes("this backup was taken --without-ca-key"), p.lines.join("\n"));

  await using caDir = await tempDir();
  const init = startProgram("controller", { args: ["init-ca", "--out", caDir.path] });
  assert.deepEqual(await init.exited, 0);
  const q = startProgram("controller", {
    args: ["restore", "--in", `${dir.path}/b.json`],
    env: {
      CONTROLLER_STATE_DIR: state,
      INTERNAL_CA_CERT_FILE: `${caDir.path}/ca.crt`,
      INTERNAL_CA_KEY_FILE: `${caDir.path}/ca.key`,
    },
  });
  assert.deepEqual(await q.exited, 2);
  assert.ok(
    failure(q.lines).includes(`CONTROLLER_STATE_DIR "${state}" already holds controller state`),
    q.lines.join("\n"),
  );
  const after = await openStateKv(state);
  const keys = (await Array.fromAsync(after.list({ prefix: [] }))).map((e) => e.key);
  after.close();
  assert.deepEqual(keys, [["agents", "tunneler", "t1"]]);
});
