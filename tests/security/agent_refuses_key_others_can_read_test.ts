/**
 * A private key file other users can read (an operator's chmod, a copy with a wide umask): the
 * agent will not use a key that may have been copied. `run` exits 2 naming the file and the fix,
 * before it dials anything; `doctor` fails 5.2 with the same remedy. The next save (renewal)
 * would write 0600 again, but a key that was readable must not be trusted silently.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { prepareTunneler } from "../support/stub_controller.ts";
import { within } from "../support/within.ts";

Deno.test("an agent whose key file others can read refuses to run (exit 2) and doctor says chmod 600", async () => {
  await using dir = await tempDir();
  const pki = await makeTestPki();
  const { store, env } = await prepareTunneler(dir.path, pki, freePort());
  await Deno.chmod(store.path, 0o644);
  const run = startProgram("tunneler", { args: ["run"], env });
  try {
    assert.deepEqual(await within(run.exited, 20_000, "tunneler run"), 2, run.lines.join("\n"));
  } finally {
    await run.stop();
  }
  assert.ok(
    run.lines.includes(
      `postern-tunneler: private key file ${store.path} has mode 644: other users may read it; run chmod 600 ${store.path} (and enroll again with a new token if it may have been copied)`,
    ),
    run.lines.join("\n"),
  );
  assert.ok(!run.lines.some((l) => l.includes("control-plane")), run.lines.join("\n"));
  // The file is left as it was: the operator decides.
  assert.deepEqual((await Deno.stat(store.path)).mode! & 0o777, 0o644);

  const doctor = startProgram("tunneler", { args: ["doctor"], env });
  try {
    assert.deepEqual(await within(doctor.exited, 20_000, "tunneler doctor"), 1, doctor.lines.join("\n"));
  } finally {
    await doctor.stop();
  }
  assert.ok(
    doctor.lines.includes(
      `[FAIL] 5.2 private key ${store.path} has mode 644 — remedy: chmod 600 ${store.path}`,
    ),
    doctor.lines.join("\n"),
  );
});
