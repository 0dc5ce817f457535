import assert from "node:assert/strict";
import { caWithoutKeyCertSign } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 with CA certificate missing key usage (1.5)", async () => {
  await using d = await tempDir();
  const ca = await caWithoutKeyCertSign();
  const r = await run(
    [],
    env(d.path, {
      INTERNAL_CA_CERT: ca.certPem,
      INTERNAL_CA_KEY: ca.keyPem,
    }),
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.5\] CA certificate missing key usage: /m);
});
