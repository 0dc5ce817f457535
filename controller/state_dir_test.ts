import assert from "node:assert/strict";
import { ConfigError } from "../shared/config/config_error.ts";
import { KV_FILE, openStateKv, secureStateDir } from "./state_dir.ts";

const mode = (p: string) => (Deno.statSync(p).mode ?? 0) & 0o777;

Deno.test("secureStateDir() creates a missing directory 0700 and accepts an existing 0700 one", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/a/b/state`;
    await secureStateDir(dir);
    assert.equal(mode(dir), 0o700);
    await secureStateDir(dir);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("secureStateDir() refuses a directory group or others can use, and a file", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const m of [0o755, 0o770, 0o707, 0o711, 0o701]) {
      const dir = `${root}/d${m.toString(8)}`;
      await Deno.mkdir(dir);
      await Deno.chmod(dir, m);
      await assert.rejects(secureStateDir(dir), (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(
          e.message,
          `CONTROLLER_STATE_DIR "${dir}" has mode 0${
            m.toString(8)
          }: group or others can read it and it holds the CA private key: run chmod 700 ${dir}`,
        );
        return true;
      });
    }
    await Deno.writeTextFile(`${root}/file`, "");
    await assert.rejects(secureStateDir(`${root}/file`), ConfigError, "is not a directory");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("openStateKv() leaves the KV file and its -wal/-shm at 0600, also a pre-existing 0644 one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/${KV_FILE}`, new Uint8Array());
    await Deno.chmod(`${dir}/${KV_FILE}`, 0o644);
    const kv = await openStateKv(dir);
    await kv.set(["k"], "v");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [KV_FILE, `${KV_FILE}-shm`, `${KV_FILE}-wal`]);
    for (const n of names) assert.equal(mode(`${dir}/${n}`), 0o600, n);
    kv.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
