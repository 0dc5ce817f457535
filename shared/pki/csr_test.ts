import assert from "node:assert/strict";
import { createCsr, readCsr } from "./csr.ts";
import { generateKeyPair, publicKeyFingerprint } from "./keys.ts";
import { SIGNING_ALG, x509 } from "./_crypto.ts";

Deno.test("readCsr() returns the public key of a CSR made by createCsr()", async () => {
  const keys = await generateKeyPair();
  const { publicKey } = await readCsr(await createCsr(keys, "c1"));
  assert.deepStrictEqual(await publicKeyFingerprint(publicKey), await publicKeyFingerprint(keys.publicKey));
});

Deno.test("readCsr() refuses a CSR whose signature does not verify", async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();
  const forged = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { publicKey: a.publicKey, privateKey: b.privateKey },
    signingAlgorithm: SIGNING_ALG,
  });
  await assert.rejects(() => readCsr(forged.toString("pem")), {
    name: "TypeError",
    message: "invalid certificate request: signature does not verify",
  });
});

Deno.test("readCsr() refuses text without a CSR", async () => {
  await assert.rejects(() => readCsr("hello"), {
    name: "TypeError",
    message: "invalid certificate request: no CERTIFICATE REQUEST PEM block found",
  });
});

Deno.test("readCsr() refuses a broken CSR", async () => {
  await assert.rejects(
    () => readCsr("-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n"),
    (e) => e instanceof TypeError && e.message.startsWith("invalid certificate request: "),
  );
});
