import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { within } from "../support/within.ts";
import { caFiles, controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 naming CONTROLLER_STORE for a store address it cannot use, and creates no state", async () => {
  await using d = await tempDir();
  const ca = await caFiles(d.path);
  const r = await within(
    run([], env(d.path, { ...ca, CONTROLLER_STORE: "redis://127.0.0.1:6379" })),
    30_000,
    "the controller to exit",
  );
  assert.equal(r.code, 2, r.out);
  assert.match(
    r.out,
    /^postern-controller: CONTROLLER_STORE "redis:\/\/127\.0\.0\.1:6379" is not a store address: use etcd:\/\/host:port/m,
  );
  await assert.rejects(Deno.stat(`${d.path}/state`), Deno.errors.NotFound);

  const tls = await within(
    run([], env(d.path, { ...ca, CONTROLLER_STORE: "etcds://127.0.0.1:2379" })),
    30_000,
    "the controller to exit",
  );
  assert.equal(tls.code, 2, tls.out);
  assert.match(
    tls.out,
    /^postern-controller: CONTROLLER_STORE "etcds:\/\/127\.0\.0\.1:2379" uses TLS and needs ETCD_CA_PATH/m,
  );
});
