/**
 * `postern-ui --help` and `--version` print and exit 0 with no variable set: they neither start
 * the server nor report the missing configuration of failure mode 6.2.
 */
import { assertEquals, assertStringIncludes } from "../support/assert.ts";
import { VERSION } from "../../shared/version.ts";
import { startProgram } from "../support/process.ts";

Deno.test("postern-ui --help prints the usage and exits 0 without any configuration", async () => {
  const ui = startProgram("ui", { args: ["--help"], env: {} });
  assertEquals(await ui.exited, 0);
  const out = ui.lines.join("\n");
  assertStringIncludes(out, `postern-ui ${VERSION}: the Postern admin site`);
  assertStringIncludes(out, "Usage:");
  assertEquals(out.includes("not configured"), false, out);
  assertEquals(out.includes("listening on"), false, out);
});

Deno.test("postern-ui --version prints the version alone and exits 0", async () => {
  const ui = startProgram("ui", { args: ["--version"], env: {} });
  assertEquals(await ui.exited, 0);
  assertEquals(ui.lines.filter((l) => !l.startsWith("Warning ")), [`postern-ui ${VERSION}`]);
});
