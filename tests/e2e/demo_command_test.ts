import assert from "node:assert/strict";
import { startDeno } from "../support/process.ts";
import { makeTestDir } from "../support/paths.ts";

// The README's first command, as a newcomer runs it, in check mode: up, one request through the
// tunnel, everything stopped again.
Deno.test("deno task demo --check brings the system up and answers through the tunnel", async () => {
  const dir = await makeTestDir({ prefix: "postern-demo-test-" });
  try {
    const demo = startDeno(["task", "--quiet", "demo", "--check"], { env: { POSTERN_DEMO_DIR: dir } });
    const code = await demo.exited;
    assert.equal(code, 0, demo.lines.join("\n"));
    assert.ok(demo.lines.includes("demo check: ok"), demo.lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
