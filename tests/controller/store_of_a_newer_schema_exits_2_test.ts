import assert from "node:assert/strict";
import { secureStateDir } from "../../controller/state_dir.ts";
import { openStore } from "../../controller/store/open.ts";
import { SCHEMA_KEY, SCHEMA_VERSION } from "../../controller/store/schema.ts";
import { listAll, put } from "../../controller/store/store.ts";
import { tempDir } from "../support/paths.ts";
import { within } from "../support/within.ts";
import { caFiles, controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 on a store of a newer schema version and leaves it as it was", async () => {
  await using d = await tempDir();
  const state = `${d.path}/state`;
  await secureStateDir(state);
  const store = await openStore({ kind: "kv", stateDir: state });
  await put(store, SCHEMA_KEY, { version: SCHEMA_VERSION + 1, written_by: "9.0.0" });
  await store.close();

  const r = await within(run([], env(d.path, await caFiles(d.path))), 30_000, "the controller to exit");
  assert.equal(r.code, 2, r.out);
  assert.match(
    r.out,
    new RegExp(
      `^postern-controller: the store holds schema version ${
        SCHEMA_VERSION + 1
      } \\(written by Postern "9\\.0\\.0"\\); this controller \\(Postern [^)]+\\) understands schema version ${SCHEMA_VERSION} at most`,
      "m",
    ),
  );
  const after = await openStore({ kind: "kv", stateDir: state });
  try {
    const entries = await listAll(after, []);
    assert.deepEqual(entries.map((e) => [e.key, e.value]), [[SCHEMA_KEY, {
      version: SCHEMA_VERSION + 1,
      written_by: "9.0.0",
    }]]);
  } finally {
    await after.close();
  }
});
