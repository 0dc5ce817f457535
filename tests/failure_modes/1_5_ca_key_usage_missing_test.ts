/**
 * Failure mode 1.5: the controller's CA certificate lacks the keyCertSign key usage. The
 * controller refuses to start (exit 2, `CA certificate missing key usage`) rather than issue
 * certificates that strict verifiers reject; doctor names 1.5, chosen from the error's typed
 * reason: a missing file whose path happens to contain the same words is still 1.3.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/keys.ts";
import { x509 } from "../../shared/pki/mod.ts";
import { tempDir } from "../support/paths.ts";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { assertFatal, assertLine, doctorJson, failed } from "./_symptom.ts";

async function caWithoutKeyCertSign(dir: string): Promise<{ cert: string; key: string }> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=No KeyCertSign",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  await Deno.writeTextFile(`${dir}/nokcs.crt`, cert.toString("pem"));
  await Deno.writeTextFile(`${dir}/nokcs.key`, await exportPrivateKeyPem(keys.privateKey), { mode: 0o600 });
  return { cert: `${dir}/nokcs.crt`, key: `${dir}/nokcs.key` };
}

Deno.test('1.5 a controller CA without keyCertSign exits 2 with "[1.5] CA certificate missing key usage" and doctor fails 1.5 (typed, not by text)', async () => {
  await using dir = await tempDir();
  const tc = await prepareController(dir.path);
  const bad = await caWithoutKeyCertSign(dir.path);
  const env = { ...tc.env, INTERNAL_CA_CERT_FILE: bad.cert, INTERNAL_CA_KEY_FILE: bad.key };
  const { code, out } = await serveExpectingExit(env);
  assertEquals(code, 2, out);
  const lines = out.split("\n");
  assertLine(lines, "CA certificate missing key usage");
  const doctor = await doctorJson("controller", env);
  assertEquals(doctor.code, 1);
  ok(failed(doctor.findings, "1.5").what.includes("CA certificate missing key usage"));
  ok(!doctor.findings.some((f) => f.id === "1.3" && !f.ok), JSON.stringify(doctor.findings));

  // A missing file named with the same words is failure mode 1.3: the id is not read from text.
  const misleading = `${dir.path}/CA certificate missing key usage.crt`;
  const d2 = await doctorJson("controller", { ...tc.env, INTERNAL_CA_CERT_FILE: misleading });
  failed(d2.findings, "1.3");
  ok(!d2.findings.some((f) => f.id === "1.5"), JSON.stringify(d2.findings));

  assertFatal(lines, "controller", "1.5", "CA certificate missing key usage");
});
