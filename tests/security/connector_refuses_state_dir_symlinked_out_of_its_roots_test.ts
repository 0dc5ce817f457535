/**
 * Deno checks a path's text, not where its symlinks lead: with `--allow-write=.postern`, a symlink
 * planted inside `.postern/` that points at another program's state would let the connector read
 * and write there. The connector resolves its state directory first and refuses one that leads out
 * of its roots (exit 2, naming the link, its target and the roots), touching nothing in the target.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { exitCodeOf, outsideDir, outsideTheRoots } from "./_outside_roots.ts";

Deno.test("connector whose state directory is a symlink leading out of its roots exits 2 and touches nothing there", async () => {
  await using d = await tempDir();
  await using victim = await outsideDir();
  const secret = `${victim.path}/ca.key`;
  await Deno.writeTextFile(secret, "another program's key\n");
  const before = await Deno.stat(secret);
  const link = `${d.path}/connector`;
  await Deno.symlink(victim.path, link);
  await Deno.writeTextFile(`${d.path}/ca.crt`, (await makeTestPki()).caPem);
  const p = startProgram("connector", {
    args: ["enroll"],
    env: {
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      CONNECTOR_ID: "c1",
      CONTROLLER_CA_PATH: `${d.path}/ca.crt`,
      ENROLLMENT_TOKEN: "unused",
      CONNECTOR_PRIVATE_IP: "127.0.0.1",
      CONNECTOR_LISTEN_ADDR: `127.0.0.1:${freePort()}`,
      CONNECTOR_STATE_DIR: link,
    },
  });
  const code = await exitCodeOf(p);
  const out = p.lines.join("\n");
  assert.equal(code, 2, out);
  assert.ok(
    out.includes(
      `CONNECTOR_STATE_DIR "${link}" resolves to "${victim.path}", ${
        outsideTheRoots("connector", "write")
      }: set CONNECTOR_STATE_DIR to a path under one of them`,
    ),
    out,
  );
  assert.deepEqual([...Deno.readDirSync(victim.path)].map((e) => e.name), ["ca.key"]);
  const after = await Deno.stat(secret);
  assert.equal(after.mtime?.getTime(), before.mtime?.getTime());
  assert.equal(after.atime?.getTime(), before.atime?.getTime(), "the key was not read");
});
