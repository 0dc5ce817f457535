/**
 * Failure mode 1.3: the agent's CONTROLLER_CA_PATH is missing or not PEM (`failed to read
 * controller CA`), or the controller's own CA files are (`invalid internal CA`). Each program
 * exits 2 before it serves or dials; the agent's token is not consumed (it never reached the
 * controller) and enrolls once the file is fixed; doctor fails 1.3.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { prepareController } from "../support/controller.ts";
import { startCluster } from "../agents/_cluster.ts";
import {
  assertFatal,
  assertLine,
  controllerRefusesToStart,
  doctorJson,
  failed,
  runToExit,
} from "./_symptom.ts";

Deno.test('1.3 a connector whose CONTROLLER_CA_PATH is missing or not PEM exits 2 with "[1.3] failed to read controller CA"; its token still enrolls once the file is fixed', async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const token = await c.token("connector", "c1");
    const listenPort = freePort();
    const cases = [
      ["missing", `${dir.path}/no-such-ca.crt`],
      ["not PEM", `${dir.path}/garbage.crt`],
    ] as const;
    await Deno.writeTextFile(`${dir.path}/garbage.crt`, "this is not a certificate\n");
    const fatal: [string[], string][] = [];
    for (const [name, path] of cases) {
      const env = { ...c.connectorEnv("c1", listenPort), CONTROLLER_CA_PATH: path, ENROLLMENT_TOKEN: token };
      const run = await runToExit("connector", ["run"], env);
      assert.deepEqual(run.code, 2, `${name}: ${run.lines.join("\n")}`);
      assertLine(run.lines, `failed to read controller CA: ${path}`);
      const doctor = await doctorJson("connector", env);
      assert.deepEqual(doctor.code, 1);
      assert.ok(failed(doctor.findings, "1.3").what.includes(path));
      fatal.push([run.lines, path]);
    }
    // The token was never sent: with the right CA it enrolls now.
    await c.runConnector("c1", listenPort, {}, token);
    for (const [lines, path] of fatal) {
      assertFatal(lines, "connector", "1.3", `failed to read controller CA: ${path}`);
    }
  } finally {
    await c.close();
  }
});

Deno.test('1.3 a controller whose INTERNAL_CA_CERT_FILE is missing or not PEM exits 2 with "[1.3] invalid internal CA" and doctor fails 1.3', async () => {
  await using dir = await tempDir();
  const tc = await prepareController(dir.path);
  await Deno.writeTextFile(
    `${dir.path}/garbage.crt`,
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  );
  const fatal: string[][] = [];
  for (const path of [`${dir.path}/missing.crt`, `${dir.path}/garbage.crt`]) {
    const env = { ...tc.env, INTERNAL_CA_CERT_FILE: path };
    const { lines, finding } = await controllerRefusesToStart(env, {
      code: 2,
      text: "invalid internal CA",
      id: "1.3",
    });
    assert.ok(finding.what.startsWith("invalid internal CA"), finding.what);
    fatal.push(lines);
  }
  for (const lines of fatal) assertFatal(lines, "controller", "1.3", "invalid internal CA");
});
