import assert from "node:assert/strict";
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, publicKeyFingerprint } from "./keys.ts";
import { openssl } from "./_test_util.ts";

Deno.test("exportPrivateKeyPem() and importPrivateKeyPem() round-trip and derive the public key", async () => {
  const keys = await generateKeyPair();
  const pem = await exportPrivateKeyPem(keys.privateKey);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  const back = await importPrivateKeyPem(pem);
  assert.deepStrictEqual(
    await publicKeyFingerprint(back.publicKey),
    await publicKeyFingerprint(keys.publicKey),
  );
  assert.deepStrictEqual(
    await publicKeyFingerprint(back.privateKey),
    await publicKeyFingerprint(keys.publicKey),
  );
  assert.match(await publicKeyFingerprint(keys.publicKey), /^[0-9a-f]{64}$/);
});

Deno.test("importPrivateKeyPem() reads openssl PKCS#8 and SEC1 keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepStrictEqual(
      (await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${dir}/sec1.pem`]))
        .code,
      0,
    );
    assert.deepStrictEqual(
      (await openssl(["pkcs8", "-topk8", "-nocrypt", "-in", `${dir}/sec1.pem`, "-out", `${dir}/p8.pem`]))
        .code,
      0,
    );
    const a = await importPrivateKeyPem(await Deno.readTextFile(`${dir}/sec1.pem`));
    const b = await importPrivateKeyPem(await Deno.readTextFile(`${dir}/p8.pem`));
    assert.deepStrictEqual(await publicKeyFingerprint(a.publicKey), await publicKeyFingerprint(b.publicKey));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("importPrivateKeyPem() refuses a certificate PEM", async () => {
  await assert.rejects(
    () => importPrivateKeyPem("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n"),
    {
      name: "TypeError",
      message: `invalid private key: expected a "PRIVATE KEY" PEM block, got "CERTIFICATE"`,
    },
  );
});

Deno.test("importPrivateKeyPem() refuses garbage inside a PRIVATE KEY block", async () => {
  await assert.rejects(
    () => importPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n"),
    (e) => {
      return e instanceof TypeError && e.message.startsWith("invalid private key: not an ECDSA P-256 key");
    },
  );
});
