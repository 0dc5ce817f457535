/**
 * Failure mode 1.1: an agent with no stored identity and no ENROLLMENT_TOKEN (not in the
 * environment, not in its EnvironmentFile) exits 2 before it dials anything, and leaves no state
 * behind; `doctor` fails 1.1 with the remedy, also when it reads the same variables through
 * `--env-file`.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { assertFatal, assertLine, doctorJson, failed, runToExit } from "./_symptom.ts";

for (const role of ["connector", "tunneler"] as const) {
  Deno.test(`1.1 a ${role} without ENROLLMENT_TOKEN and no stored identity exits 2 with "[1.1] ENROLLMENT_TOKEN is required" and doctor fails 1.1`, async () => {
    await using dir = await tempDir();
    const pki = await makeTestPki();
    await Deno.writeTextFile(`${dir.path}/ca.crt`, pki.caPem);
    const stateDir = `${dir.path}/${role}`;
    // A controller address nothing listens on: the agent must stop before dialing it.
    const env: Record<string, string> = {
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      CONTROLLER_CA_PATH: `${dir.path}/ca.crt`,
      ...(role === "connector"
        ? {
          CONNECTOR_ID: "c1",
          CONNECTOR_PRIVATE_IP: "127.0.0.1",
          CONNECTOR_LISTEN_ADDR: `127.0.0.1:${freePort()}`,
          CONNECTOR_STATE_DIR: stateDir,
        }
        : { TUNNELER_ID: "t1", CONNECTOR_ADDR: `c1@127.0.0.1:${freePort()}`, TUNNELER_STATE_DIR: stateDir }),
    };
    const run = await runToExit(role, ["run"], env);
    assert.deepEqual(run.code, 2, run.lines.join("\n"));
    assertLine(run.lines, "ENROLLMENT_TOKEN is required");
    assert.ok(!run.lines.some((l) => l.includes("enrolling")), run.lines.join("\n"));
    // Nothing was written: the next start with a token enrolls from scratch.
    assert.ok(!(await Deno.stat(`${stateDir}/credentials.json`).then(() => true, () => false)));

    const doctor = await doctorJson(role, env);
    assert.deepEqual(doctor.code, 1);
    const f = failed(doctor.findings, "1.1");
    assert.ok(f.what.startsWith("ENROLLMENT_TOKEN is required"), f.what);
    assert.ok(f.remedy.includes("ENROLLMENT_TOKEN"), f.remedy);

    // The same variables from the unit's EnvironmentFile: still 1.1.
    const conf = `${dir.path}/${role}.conf`;
    await Deno.writeTextFile(conf, Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    const fromFile = await doctorJson(role, {}, ["--env-file", conf]);
    assert.deepEqual(fromFile.code, 1);
    failed(fromFile.findings, "1.1");

    assertFatal(run.lines, role, "1.1", "ENROLLMENT_TOKEN is required");
  });
}
