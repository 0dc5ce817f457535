/**
 * Failure mode 1.5: the controller's CA certificate lacks the keyCertSign key usage. The
 * controller refuses to start (exit 2, `CA certificate missing key usage`) rather than issue
 * certificates that strict verifiers reject; doctor names 1.5, chosen from the error's typed
 * reason: a missing file whose path happens to contain the same words is still 1.3.
 */
import assert from "node:assert/strict";
import { caWithoutKeyCertSign } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { prepareController } from "../support/controller.ts";
import { assertFatal, controllerRefusesToStart, doctorJson, failed } from "./_symptom.ts";

async function writeCaWithoutKeyCertSign(dir: string): Promise<{ cert: string; key: string }> {
  const ca = await caWithoutKeyCertSign();
  await Deno.writeTextFile(`${dir}/nokcs.crt`, ca.certPem);
  await Deno.writeTextFile(`${dir}/nokcs.key`, ca.keyPem, { mode: 0o600 });
  return { cert: `${dir}/nokcs.crt`, key: `${dir}/nokcs.key` };
}

Deno.test('1.5 a controller CA without keyCertSign exits 2 with "[1.5] CA certificate missing key usage" and doctor fails 1.5 (typed, not by text)', async () => {
  await using dir = await tempDir();
  const tc = await prepareController(dir.path);
  const bad = await writeCaWithoutKeyCertSign(dir.path);
  const env = { ...tc.env, INTERNAL_CA_CERT_FILE: bad.cert, INTERNAL_CA_KEY_FILE: bad.key };
  const { lines, findings, finding } = await controllerRefusesToStart(env, {
    code: 2,
    text: "CA certificate missing key usage",
    id: "1.5",
  });
  assert.ok(finding.what.includes("CA certificate missing key usage"), finding.what);
  assert.ok(!findings.some((f) => f.id === "1.3" && !f.ok), JSON.stringify(findings));

  // A missing file named with the same words is failure mode 1.3: the id is not read from text.
  const misleading = `${dir.path}/CA certificate missing key usage.crt`;
  const d2 = await doctorJson("controller", { ...tc.env, INTERNAL_CA_CERT_FILE: misleading });
  failed(d2.findings, "1.3");
  assert.ok(!d2.findings.some((f) => f.id === "1.5"), JSON.stringify(d2.findings));

  assertFatal(lines, "controller", "1.5", "CA certificate missing key usage");
});
