import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { runController as run } from "./_program.ts";

Deno.test("postern-controller init-ca writes the CA and refuses to overwrite", async () => {
  await using d = await tempDir();
  const first = await run(["init-ca", "--out", `${d.path}/ca`], {});
  assert.equal(first.code, 0, first.out);
  assert.equal((await Deno.stat(`${d.path}/ca/ca.key`)).mode! & 0o777, 0o600);
  const again = await run(["init-ca", "--out", `${d.path}/ca`], {});
  assert.notEqual(again.code, 0);
  assert.match(again.out, /refusing to overwrite/);
});
