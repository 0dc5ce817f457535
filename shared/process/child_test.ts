import assert from "node:assert/strict";
import { childEnv, programArgs, spawnPiped, terminate } from "./child.ts";

Deno.test("a child gets PATH, HOME, NO_COLOR and the named variables, nothing else", async () => {
  const env = childEnv({ EXTRA: "1" });
  assert.deepEqual(Object.keys(env).sort(), ["EXTRA", "HOME", "NO_COLOR", "PATH"]);
  const child = spawnPiped("/usr/bin/env", [], { cwd: "/", env: { EXTRA: "1" } });
  const out = await child.output();
  const names = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => l.split("=")[0]).sort();
  assert.deepEqual(names, ["EXTRA", "HOME", "NO_COLOR", "PATH"]);
});

Deno.test("programArgs runs a program under its own permission set", () => {
  assert.deepEqual(programArgs("connector", ["run"]), [
    "run",
    "-q",
    "-P=connector",
    "connector/main.ts",
    "run",
  ]);
});

Deno.test("terminate kills a child that ignores SIGTERM once the grace period is over", async () => {
  const child = spawnPiped("/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 30"], { cwd: "/" });
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.deepEqual((await reader.read()).value?.trim(), "ready");
  reader.releaseLock();
  child.stderr.cancel();
  const status = await terminate(child, child.status, 200);
  assert.deepEqual(status.signal, "SIGKILL");
});
