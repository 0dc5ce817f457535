import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 with invalid internal CA for a missing CA file (1.3)", async () => {
  await using d = await tempDir();
  const r = await run(
    [],
    env(d.path, {
      INTERNAL_CA_CERT_FILE: `${d.path}/missing.crt`,
      INTERNAL_CA_KEY_FILE: `${d.path}/missing.key`,
    }),
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.3\] invalid internal CA: /m);
});
