/**
 * `bench/control_plane.ts` refuses what it cannot measure before it starts anything. Its smoke run
 * (both stores, two controllers on etcd) is part of `bench/main_test.ts`.
 */
import assert from "node:assert/strict";

async function refusal(...args: string[]): Promise<{ code: number; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./control_plane.ts", import.meta.url).pathname, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: r.code, stderr: new TextDecoder().decode(r.stderr).trim() };
}

Deno.test("bench/control_plane.ts --store names the stores it knows and exits 2", async () => {
  assert.deepEqual(await refusal("--store", "redis"), {
    code: 2,
    stderr: 'invalid --store "redis": use kv or etcd',
  });
});

Deno.test("bench/control_plane.ts refuses several controllers on Deno KV and exits 2", async () => {
  assert.deepEqual(await refusal("--controllers", "2"), {
    code: 2,
    stderr: 'invalid --controllers "2": controllers share state only on --store etcd',
  });
  assert.deepEqual(await refusal("--store", "etcd", "--controllers", "0"), {
    code: 2,
    stderr: 'invalid --controllers "0": use 1 to 4',
  });
});
