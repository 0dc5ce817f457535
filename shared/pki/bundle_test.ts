import assert from "node:assert/strict";
import { TrustBundle } from "./bundle.ts";
import { createCa } from "./ca.ts";

const a = await createCa({ commonName: "A" });
const b = await createCa({ commonName: "B" });

Deno.test("TrustBundle.fromPem() reads several certificates and deduplicates them", () => {
  const bundle = TrustBundle.fromPem(a.certPem + "\n" + b.certPem + a.certPem);
  assert.deepStrictEqual(bundle.fingerprints(), [a.ca.fingerprint, b.ca.fingerprint]);
  assert.strictEqual(bundle.toPem(), a.certPem + b.certPem);
  assert.deepStrictEqual(bundle.pems(), [a.certPem, b.certPem]);
});

Deno.test("TrustBundle.with() and without() return new bundles", () => {
  const one = TrustBundle.of([a.ca.certificate]);
  const two = one.with(b.ca.certificate);
  assert.strictEqual(one.certificates.length, 1);
  assert.ok(two.has(b.ca.fingerprint) && two.has(a.ca.fingerprint.toUpperCase()));
  const back = two.without(a.ca.fingerprint);
  assert.deepStrictEqual(back.fingerprints(), [b.ca.fingerprint]);
  assert.ok(!back.has(a.ca.fingerprint));
});

const bad: [string, string, string][] = [
  ["empty text", "", "trust bundle holds no certificate"],
  ["only a key", a.keyPem, "trust bundle holds no certificate"],
  [
    "broken PEM",
    "-----BEGIN CERTIFICATE-----\nAQID\n",
    "invalid trust bundle: invalid PEM: a BEGIN line has no matching END line",
  ],
]; // deno-fmt-ignore
for (const [what, text, message] of bad) {
  Deno.test(`TrustBundle.fromPem() refuses ${what}`, () => {
    assert.throws(() => TrustBundle.fromPem(text), { name: "TypeError", message });
  });
}

Deno.test("TrustBundle.fromPem() refuses a block that is not a certificate", () => {
  assert.throws(
    () => TrustBundle.fromPem(a.certPem + "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n"),
    (e) =>
      e instanceof TypeError && e.message.startsWith("invalid trust bundle: certificate 2 cannot be parsed"),
  );
});
