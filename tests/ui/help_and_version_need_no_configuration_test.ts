/**
 * `postern-ui --help` and `--version` print and exit 0 with no variable set: they neither start
 * the server nor report the missing configuration of failure mode 6.2.
 */
import assert from "node:assert/strict";
import { VERSION } from "../../shared/version.ts";
import { startProgram } from "../support/process.ts";

Deno.test("postern-ui --help prints the usage and exits 0 without any configuration", async () => {
  const ui = startProgram("ui", { args: ["--help"], env: {} });
  assert.deepEqual(await ui.exited, 0);
  const out = ui.lines.join("\n");
  assert.match(out, new RegExp(RegExp.escape(`postern-ui ${VERSION}: the Postern admin site`)));
  assert.match(out, /Usage:/);
  assert.deepEqual(out.includes("not configured"), false, out);
  assert.deepEqual(out.includes("listening on"), false, out);
});

Deno.test("postern-ui --version prints the version alone and exits 0", async () => {
  const ui = startProgram("ui", { args: ["--version"], env: {} });
  assert.deepEqual(await ui.exited, 0);
  assert.deepEqual(ui.lines.filter((l) => !l.startsWith("Warning ")), [`postern-ui ${VERSION}`]);
});
