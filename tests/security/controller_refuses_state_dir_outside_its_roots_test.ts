/**
 * The controller keeps the CA private key in its state directory: pointed at a directory outside
 * its roots (here the system's temporary folder) it exits 2 naming the path and the roots, and
 * creates nothing there.
 */
import assert from "node:assert/strict";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { outsideDir, outsideTheRoots } from "./_outside_roots.ts";

Deno.test("controller with CONTROLLER_STATE_DIR outside its roots exits 2 naming the path and the roots", async () => {
  await using d = await tempDir();
  await using outside = await outsideDir();
  const controller = await prepareController(d.path);
  const stateDir = `${outside.path}/controller`;
  const { code, out } = await serveExpectingExit({ ...controller.env, CONTROLLER_STATE_DIR: stateDir });
  assert.equal(code, 2, out);
  assert.ok(
    out.includes(
      `CONTROLLER_STATE_DIR "${stateDir}" is ${
        outsideTheRoots("controller", "write")
      }: set CONTROLLER_STATE_DIR to a path under one of them`,
    ),
    out,
  );
  assert.deepEqual([...Deno.readDirSync(outside.path)], [], "nothing was created outside the roots");
});
