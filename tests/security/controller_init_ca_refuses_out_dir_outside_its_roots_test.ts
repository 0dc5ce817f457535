/**
 * `init-ca --out DIR` writes the CA private key: a DIR outside the controller's writable roots
 * exits 2 naming it and the roots, and no key is written there.
 */
import assert from "node:assert/strict";
import { startProgram } from "../support/process.ts";
import { exitCodeOf, outsideDir, outsideTheRoots } from "./_outside_roots.ts";

Deno.test("init-ca --out outside the controller's roots exits 2 naming the path and writes no key", async () => {
  await using outside = await outsideDir();
  const out = `${outside.path}/ca`;
  const p = startProgram("controller", { args: ["init-ca", "--out", out] });
  const code = await exitCodeOf(p);
  const text = p.lines.join("\n");
  assert.equal(code, 2, text);
  assert.ok(
    text.includes(
      `init-ca --out "${out}" is ${
        outsideTheRoots("controller", "write")
      }: set init-ca --out to a path under one of them`,
    ),
    text,
  );
  assert.deepEqual([...Deno.readDirSync(outside.path)], []);
});
