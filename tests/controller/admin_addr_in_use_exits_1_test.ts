import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { caFiles, controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 1 with bind: address already in use when ADMIN_HTTP_ADDR is taken (5.3)", async () => {
  await using d = await tempDir();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const e = env(d.path, { ...(await caFiles(d.path)), ADMIN_HTTP_ADDR: `127.0.0.1:${port}` });
    const r = await run([], e);
    assert.equal(r.code, 1);
    assert.match(r.out, /^postern-controller: \[5\.3\] bind: address already in use: ADMIN_HTTP_ADDR /m);
    const doc = await run(["doctor"], e);
    assert.equal(doc.code, 1);
    assert.match(doc.out, /\[FAIL\] 5\.3 ADMIN_HTTP_ADDR .*bind: address already in use — remedy: /);
  } finally {
    busy.close();
  }
});
