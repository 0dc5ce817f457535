/**
 * The demo leaves one env file per program (0600, no spent enrollment token), and they are enough
 * to run the programs' commands: `connector status --json` and `tunneler status --json` sourced
 * from them report the enrolled identity, and `controller backup` with controller.env writes a
 * backup of the running controller. The printed commands name those files.
 */
import assert from "node:assert/strict";
import { operatorCommands } from "../../shared/demo/operator_commands.ts";
import { withTopology } from "./_topology.ts";
import { startCommand } from "../support/process.ts";

function sourced(envFile: string, program: string, args: string): Promise<{ code: number; out: string }> {
  const p = startCommand("sh", [
    "-c",
    `set -a; . "$1"; set +a; exec "$2" run -P=${program} ${program}/main.ts ${args}`,
    "sh",
    envFile,
    Deno.execPath(),
  ]);
  return p.exited.then((code) => ({ code, out: p.lines.join("\n") }));
}

Deno.test({
  name: "the demo writes controller.env, connector.env, tunneler.env and ui.env that run status and backup",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTopology(async (t, dir) => {
      assert.deepEqual(Object.keys(t.envFiles).sort(), ["connector", "controller", "tunneler", "ui"]);
      for (const path of Object.values(t.envFiles)) {
        assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, path);
        assert.ok(!(await Deno.readTextFile(path)).includes("ENROLLMENT_TOKEN"), path);
      }
      const connector = await sourced(t.envFiles.connector!, "connector", "status --json");
      assert.equal(connector.code, 0, connector.out);
      assert.match(connector.out, /spiffe:\/\/postern\.internal\/connector\/demo-connector/);
      const tunneler = await sourced(t.envFiles.tunneler!, "tunneler", "status --json");
      assert.equal(tunneler.code, 0, tunneler.out);
      assert.match(tunneler.out, /spiffe:\/\/postern\.internal\/tunneler\/demo-tunneler/);
      const backup = await sourced(
        t.envFiles.controller!,
        "controller",
        `backup --out ${dir}/demo.backup --without-ca-key`,
      );
      assert.equal(backup.code, 0, backup.out);
      const file = JSON.parse(await Deno.readTextFile(`${dir}/demo.backup`));
      assert.ok(file.prefixes.includes("agents"), file.prefixes.join(","));
      const printed = operatorCommands(t);
      assert.ok(printed.includes(`deno task connector doctor --env-file ${t.envFiles.connector}`), printed);
      assert.ok(printed.includes(`. ${t.envFiles.controller}; deno task controller tokens list`), printed);
    }),
});
