/**
 * The UI reads ADMIN_CA_PATH to trust the admin API: a file outside its roots (a valid CA
 * certificate in the system's temporary folder) is refused with exit 2 naming the path and the
 * roots, before the UI listens.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { exitCodeOf, outsideDir, outsideTheRoots } from "./_outside_roots.ts";

Deno.test("ui with ADMIN_CA_PATH outside its roots exits 2 naming the path and the roots", async () => {
  await using outside = await outsideDir();
  const caPath = `${outside.path}/admin-ca.crt`;
  await Deno.writeTextFile(caPath, (await makeTestPki()).caPem);
  const p = startProgram("ui", {
    env: {
      ADMIN_API_URL: `https://127.0.0.1:${freePort()}`,
      ADMIN_AUTH_TOKEN: crypto.randomUUID(),
      UI_ADMIN_PASSWORD: "correct horse",
      UI_ADDR: `127.0.0.1:${freePort()}`,
      ADMIN_CA_PATH: caPath,
    },
  });
  const code = await exitCodeOf(p);
  const out = p.lines.join("\n");
  assert.equal(code, 2, out);
  assert.ok(
    out.includes(
      `ADMIN_CA_PATH "${caPath}" is ${outsideTheRoots("ui")}: set ADMIN_CA_PATH to a path under one of them`,
    ),
    out,
  );
});
