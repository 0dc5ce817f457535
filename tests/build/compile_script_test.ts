import assert from "node:assert/strict";
import { REPO_ROOT } from "../support/process.ts";

// deno compile needs denort from the internet; offline builds point DENORT_BIN at one. A wrong
// path must stop the build at once with a message naming the variable and the fix.
Deno.test("deno task compile refuses a DENORT_BIN that is not an executable file", async () => {
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}shared/build/compile.sh`],
    env: { DENORT_BIN: "/nonexistent/denort", DENO: Deno.execPath() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.match(
    stderr,
    /^DENORT_BIN=\/nonexistent\/denort is not an executable file: unset it to download denort, or point it at denort 2\.\d+\.\d+/,
  );
});

// The binaries must carry the same permission sets as `deno task <program>` (deno.json), never more.
Deno.test("deno task compile bakes each program's own permission set into its binary, and no other grant", async () => {
  const script = await Deno.readTextFile(`${REPO_ROOT}shared/build/compile.sh`);
  const compiles = script.split("\n").filter((line) =>
    /\bcompile\b/.test(line) && line.includes("$deno_bin")
  );
  assert.equal(compiles.length, 1, script);
  assert.match(compiles[0]!, /"\$deno_bin" compile -P="\$program" /);
  assert.doesNotMatch(script, /\s(-A|--allow-[a-z]+|--allow-all)\b/);
  assert.match(script, /^for program in controller connector tunneler ui; do$/m);
});
