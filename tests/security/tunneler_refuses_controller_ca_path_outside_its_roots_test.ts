/**
 * The tunneler reads its trust anchor from CONTROLLER_CA_PATH: a file outside its roots (here a
 * valid CA certificate in the system's temporary folder) is refused before anything is read or
 * dialled, with exit 2 and a message naming the path and the roots.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { exitCodeOf, outsideDir, outsideTheRoots } from "./_outside_roots.ts";

Deno.test("tunneler with CONTROLLER_CA_PATH outside its roots exits 2 naming the path and the roots", async () => {
  await using d = await tempDir();
  await using outside = await outsideDir();
  const caPath = `${outside.path}/ca.crt`;
  await Deno.writeTextFile(caPath, (await makeTestPki()).caPem);
  const p = startProgram("tunneler", {
    args: ["enroll"],
    env: {
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      TUNNELER_ID: "t1",
      CONTROLLER_CA_PATH: caPath,
      ENROLLMENT_TOKEN: "unused",
      CONNECTOR_ADDR: "c1@127.0.0.1:9443",
      TUNNELER_STATE_DIR: `${d.path}/tunneler`,
    },
  });
  const code = await exitCodeOf(p);
  const out = p.lines.join("\n");
  assert.equal(code, 2, out);
  assert.ok(
    out.includes(
      `failed to read controller CA: CONTROLLER_CA_PATH "${caPath}" is ${
        outsideTheRoots("tunneler")
      }: set CONTROLLER_CA_PATH to a path under one of them`,
    ),
    out,
  );
});
