import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { caFiles, controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 with invalid domain for a bad TRUST_DOMAIN (1.4)", async () => {
  await using d = await tempDir();
  const r = await run([], env(d.path, { ...(await caFiles(d.path)), TRUST_DOMAIN: "bad..domain" }));
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.4\] cannot parse URI .*invalid domain "bad\.\.domain"/m);
});
