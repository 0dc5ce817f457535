import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { caFiles, controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller doctor reports ok findings and exits 0 on a good setup, FAIL and 1 on a bad one", async () => {
  await using d = await tempDir();
  const r = await run(["doctor"], env(d.path, await caFiles(d.path)));
  assert.equal(r.code, 0, r.out);
  for (const id of ["1.3", "1.4", "1.5", "5.3"]) {
    assert.match(r.out, new RegExp(`\\[ok\\] ${id.replace(".", "\\.")} `));
  }
  const bad = await run(["doctor"], env(d.path, { TRUST_DOMAIN: "a_b" }));
  assert.equal(bad.code, 1);
  assert.match(bad.out, /\[FAIL\] 1\.4 .*invalid domain/);
  assert.match(bad.out, /\[FAIL\] 1\.3 invalid internal CA/);
});
