/**
 * The state directory holds Deno KV, and KV holds the CA private key: a controller pointed at a
 * directory that group or others can read refuses to start (exit 2) and says how to fix it,
 * rather than writing the key where other users can read it.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";
import { prepareController, serveExpectingExit } from "../support/controller.ts";

for (const mode of [0o755, 0o750, 0o701]) {
  const text = mode.toString(8).padStart(4, "0");
  Deno.test(`controller refuses a pre-existing ${text} state directory with exit 2 and chmod 700`, async () => {
    await using d = await tempDir();
    const controller = await prepareController(d.path);
    const stateDir = controller.env.CONTROLLER_STATE_DIR!;
    await Deno.mkdir(stateDir);
    await Deno.chmod(stateDir, mode);
    const { code, out } = await serveExpectingExit({ ...controller.env });
    assert.equal(code, 2, out);
    const expected =
      `CONTROLLER_STATE_DIR "${stateDir}" has mode ${text}: group or others can read it and it holds the CA private key: run chmod 700 ${stateDir}`;
    assert.ok(out.includes(expected), out);
    // Nothing was written into it: no KV file beside the CA key's future home.
    assert.deepEqual([...Deno.readDirSync(stateDir)], []);
  });
}

Deno.test("controller doctor flags a 0755 state directory and exits 1", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const stateDir = controller.env.CONTROLLER_STATE_DIR!;
  await Deno.mkdir(stateDir);
  await Deno.chmod(stateDir, 0o755);
  const p = startProgram("controller", { args: ["doctor"], env: { ...controller.env } });
  const code = await p.exited;
  const out = p.lines.join("\n");
  assert.equal(code, 1, out);
  assert.ok(
    out.includes(
      `[FAIL] state CONTROLLER_STATE_DIR "${stateDir}" has mode 0755: group or others can read it`,
    ),
    out,
  );
});
