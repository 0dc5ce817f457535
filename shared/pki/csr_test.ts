import assert from "node:assert/strict";
import { createCsr, readCsr } from "./csr.ts";
import { generateKeyPair, publicKeyFingerprint } from "./keys.ts";
import { x509 } from "./_crypto.ts";
import { pemToDer } from "./pem.ts";
import { forgedCsrPem, openssl, OPENSSL_NEW_P256_KEY } from "./_test_util.ts";

Deno.test("readCsr() returns the public key of a CSR made by createCsr()", async () => {
  const keys = await generateKeyPair();
  const { publicKey } = await readCsr(await createCsr(keys, "c1"));
  assert.deepStrictEqual(await publicKeyFingerprint(publicKey), await publicKeyFingerprint(keys.publicKey));
});

Deno.test("readCsr() refuses a CSR whose signature does not verify", async () => {
  const forged = await forgedCsrPem();
  await assert.rejects(() => readCsr(forged), {
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

// ---- the strict DER reader, against @peculiar/x509 and against malformed input ----

const REFUSAL = /^invalid certificate request: /;
const base = await generateKeyPair();
const basePem = await createCsr(base, "c1");
const baseDer = pemToDer(basePem);

/** What @peculiar/x509 makes of the same bytes: the key's SPKI when the signature verifies, else null. */
async function peculiarSpki(der: Uint8Array): Promise<string | null> {
  try {
    const csr = new x509.Pkcs10CertificateRequest(der as Uint8Array<ArrayBuffer>);
    if (!(await csr.verify())) return null;
    return hex(new Uint8Array(csr.publicKey.rawData));
  } catch {
    return null;
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("readCsr() returns the key @peculiar/x509 reads, as SPKI, for CSRs from createCsr() and openssl", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await openssl([
      "req",
      "-new",
      ...OPENSSL_NEW_P256_KEY,
      "-keyout",
      `${dir}/k.pem`,
      "-out",
      `${dir}/r.csr`,
      "-subj",
      "/CN=openssl/O=Example",
      "-addext",
      "subjectAltName=DNS:ignored.example",
      "-addext",
      "basicConstraints=CA:TRUE",
    ]); // deno-fmt-ignore
    assert.equal(r.code, 0, r.out);
    for (const pem of [basePem, await Deno.readTextFile(`${dir}/r.csr`), await createCsr(base)]) {
      const der = pemToDer(pem);
      const got = await readCsr(pem);
      assert.equal(hex(got.spki), await peculiarSpki(der));
      assert.equal(hex(new Uint8Array(await crypto.subtle.exportKey("spki", got.publicKey))), hex(got.spki));
      assert.equal(hex((await readCsr(der)).spki), hex(got.spki));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readCsr() accepts a compressed P-256 point and returns the uncompressed SPKI", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const steps = [
      ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${dir}/k.pem`],
      ["ec", "-in", `${dir}/k.pem`, "-conv_form", "compressed", "-out", `${dir}/kc.pem`],
      ["req", "-new", "-key", `${dir}/kc.pem`, "-out", `${dir}/r.csr`, "-subj", "/CN=compressed"],
    ];
    for (const args of steps) {
      const r = await openssl(args);
      assert.equal(r.code, 0, r.out);
    }
    const pem = await Deno.readTextFile(`${dir}/r.csr`);
    const got = await readCsr(pem);
    assert.equal(got.spki.length, 91);
    assert.equal(got.spki[26], 0x04);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The DER with `at` replaced by `bytes` (re-encoding no lengths). */
function patch(der: Uint8Array, at: number, bytes: number[]): Uint8Array {
  const out = der.slice();
  out.set(bytes, at);
  return out;
}

Deno.test("readCsr() refuses malformed DER with a message naming the problem", async () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty", new Uint8Array(0), /truncated element/],
    ["trailing byte", new Uint8Array([...baseDer, 0]), /1 bytes after the end/],
    ["indefinite length", patch(baseDer, 1, [0x80]), /indefinite length|runs past|not minimal|non-minimal/],
    ["not a SEQUENCE", patch(baseDer, 0, [0x31]), /expected tag 0x30/],
    ["truncated", baseDer.subarray(0, baseDer.length - 1), /runs past its container/],
    ["multi-byte tag", patch(baseDer, 0, [0x3f]), /multi-byte tag/],
  ];
  for (const [what, der, why] of cases) {
    await assert.rejects(() => readCsr(der), (e) => {
      assert.ok(e instanceof TypeError, `${what}: ${e}`);
      assert.match(e.message, REFUSAL, what);
      assert.match(e.message, why, what);
      return true;
    });
  }
});

Deno.test("readCsr() refuses a P-384 key and a version other than 0", async () => {
  const p384 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
    "sign",
    "verify",
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: p384 as CryptoKeyPair,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-384" },
  });
  await assert.rejects(() => readCsr(csr.toString("pem")), {
    name: "TypeError",
    message: "invalid certificate request: public key is not ECDSA P-256 (named curve)",
  });
  // version INTEGER 0 sits at bytes 5..7 of a CSR whose outer and info lengths take 3 and 2 bytes.
  assert.deepEqual([...baseDer.subarray(5, 8)], [2, 1, 0]);
  await assert.rejects(() => readCsr(patch(baseDer, 7, [1])), {
    name: "TypeError",
    message: "invalid certificate request: version is not 0 (v1)",
  });
});

Deno.test("readCsr() refuses every truncation and bit flip of a valid CSR with its own error, never another", async () => {
  // A fixed seed: the same mutations every run.
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const inputs: Uint8Array[] = [];
  for (let len = 0; len < baseDer.length; len++) inputs.push(baseDer.subarray(0, len));
  for (let i = 0; i < 1500; i++) {
    const der = baseDer.slice();
    const flips = 1 + rand(3);
    for (let f = 0; f < flips; f++) {
      const at = rand(der.length);
      der[at] = der[at]! ^ (1 << rand(8));
    }
    inputs.push(der);
  }
  for (let i = 0; i < 200; i++) {
    inputs.push(crypto.getRandomValues(new Uint8Array(rand(400))));
  }
  let accepted = 0;
  for (const der of inputs) {
    try {
      const got = await readCsr(der);
      // Accepted only when the bytes still are a request whose signature verifies.
      accepted++;
      assert.equal(hex(got.spki), await peculiarSpki(der), `accepted ${hex(der)}`);
    } catch (e) {
      assert.ok(e instanceof TypeError, `not a TypeError for ${hex(der)}: ${e}`);
      assert.match(e.message, REFUSAL);
    }
  }
  assert.ok(accepted < 20, `${accepted} mutations accepted`);
});
