import assert from "node:assert/strict";
import { startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";
import { caFiles, controllerEnv as env } from "./_program.ts";

Deno.test("postern-controller serves, reloads the CA on SIGHUP (keeping it on failure) and drains on SIGTERM", async () => {
  await using d = await tempDir();
  const e = env(d.path, await caFiles(d.path));
  const p = startProgram("controller", { env: e });
  await p.waitForLine("controller serving");
  const ready = await fetch(`http://${e.ADMIN_HTTP_ADDR}/readyz`);
  assert.equal(ready.status, 200);
  await ready.body?.cancel();
  await Deno.writeTextFile(`${d.path}/ca.crt`, "broken");
  Deno.kill(p.pid, "SIGHUP");
  await p.waitForLine("CA reload failed, keeping the current CA");
  const still = await fetch(`http://${e.ADMIN_HTTP_ADDR}/healthz`);
  assert.equal(still.status, 200);
  await still.body?.cancel();
  assert.equal(await p.stop("SIGTERM"), 0);
  assert.ok(p.lines.some((l) => l.includes("stopped")));
});
