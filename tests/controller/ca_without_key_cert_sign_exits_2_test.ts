import assert from "node:assert/strict";
import { exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/keys.ts";
import { x509 } from "../../shared/pki/mod.ts";
import { tempDir } from "../support/paths.ts";
import { controllerEnv as env, runController as run } from "./_program.ts";

Deno.test("postern-controller exits 2 with CA certificate missing key usage (1.5)", async () => {
  await using d = await tempDir();
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
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const r = await run(
    [],
    env(d.path, {
      INTERNAL_CA_CERT: cert.toString("pem"),
      INTERNAL_CA_KEY: await exportPrivateKeyPem(keys.privateKey),
    }),
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.5\] CA certificate missing key usage: /m);
});
