/**
 * Failure mode 1.4: a TRUST_DOMAIN that is not a DNS name. Postern prevents the original cause
 * (a trailing dot): one trailing dot is removed and upper case folded, so "Postern.Internal."
 * works. Anything else is refused before anything starts, exit 2, with `invalid domain` and the
 * value; doctor fails 1.4 on every program.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { startCluster } from "../agents/_cluster.ts";
import { assertFatalWith, assertLine, doctorJson, failed, passed, runToExit } from "./_symptom.ts";

const BAD = "bad_domain.internal";
const SYMPTOM = `cannot parse URI "spiffe://${BAD}": invalid domain "${BAD}"`;

Deno.test(`1.4 TRUST_DOMAIN="${BAD}" stops controller and agents (exit 2, "[1.4] ... invalid domain") and doctor fails 1.4`, async () => {
  await using dir = await tempDir();
  const tc = await prepareController(dir.path);
  const ctl = await serveExpectingExit({ ...tc.env, TRUST_DOMAIN: BAD });
  assert.deepEqual(ctl.code, 2, ctl.out);
  const ctlLines = ctl.out.split("\n");
  assertLine(ctlLines, SYMPTOM);
  const ctlDoctor = await doctorJson("controller", { ...tc.env, TRUST_DOMAIN: BAD });
  assert.deepEqual(ctlDoctor.code, 1);
  assert.ok(failed(ctlDoctor.findings, "1.4").what.includes(SYMPTOM));
  // The bad value is one finding, not also a generic configuration failure.
  assert.ok(!ctlDoctor.findings.some((f) => f.id === "config" && !f.ok), JSON.stringify(ctlDoctor.findings));

  const agentEnv = {
    CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
    CONTROLLER_CA_PATH: tc.caCert,
    TUNNELER_ID: "t1",
    CONNECTOR_ADDR: `c1@127.0.0.1:${freePort()}`,
    TUNNELER_STATE_DIR: `${dir.path}/tunneler`,
    ENROLLMENT_TOKEN: "unused",
    TRUST_DOMAIN: BAD,
  };
  const run = await runToExit("tunneler", ["run"], agentEnv);
  assert.deepEqual(run.code, 2, run.lines.join("\n"));
  assertLine(run.lines, SYMPTOM);
  const agentDoctor = await doctorJson("tunneler", agentEnv);
  assert.deepEqual(agentDoctor.code, 1);
  assert.ok(failed(agentDoctor.findings, "1.4").what.includes(SYMPTOM));

  assertFatalWith(ctlLines, "controller", "1.4", SYMPTOM);
  assertFatalWith(run.lines, "tunneler", "1.4", SYMPTOM);
});

Deno.test("1.4 prevented: TRUST_DOMAIN with a trailing dot and upper case is normalised, and an agent enrolls into it", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { TRUST_DOMAIN: "Postern.Internal." });
  try {
    const env = {
      ...c.connectorEnv("c1", freePort()),
      TRUST_DOMAIN: "postern.internal.",
      ENROLLMENT_TOKEN: await c.token("connector", "c1"),
    };
    const connector = c.start("connector", ["run"], env);
    await connector.waitForLine("control-plane stream connected", 20_000);
    const doctor = await doctorJson("connector", env);
    assert.ok(passed(doctor.findings, "1.4").what.includes('"postern.internal"'));
  } finally {
    await c.close();
  }
});
