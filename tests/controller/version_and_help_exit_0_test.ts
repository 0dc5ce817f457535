import assert from "node:assert/strict";
import { runController as run } from "./_program.ts";

Deno.test("postern-controller --version and --help exit 0", async () => {
  const v = await run(["--version"], {});
  assert.equal(v.code, 0);
  assert.match(v.out, /postern-controller \d+\.\d+\.\d+/);
  const h = await run(["--help"], {});
  assert.equal(h.code, 0);
  assert.match(h.out, /init-ca --out DIR/);
});
