import assert from "node:assert/strict";
import { derToPem, pemToDer, splitPem } from "./pem.ts";

const A = derToPem(new Uint8Array([1, 2, 3]), "CERTIFICATE");
const B = derToPem(new Uint8Array(100).fill(7), "PRIVATE KEY");

Deno.test("derToPem() wraps base64 at 64 characters and ends with a newline", () => {
  const lines = B.split("\n");
  assert.deepStrictEqual(lines[0], "-----BEGIN PRIVATE KEY-----");
  assert.deepStrictEqual(lines[1]!.length, 64);
  assert.deepStrictEqual(B.endsWith("-----END PRIVATE KEY-----\n"), true);
});

Deno.test("splitPem() returns normalised blocks and filters by label", () => {
  const messy = `junk\r\n${A.replaceAll("\n", "\r\n")}text between\n${B}`;
  assert.deepStrictEqual(splitPem(messy), [A, B]);
  assert.deepStrictEqual(splitPem(messy, "PRIVATE KEY"), [B]);
  assert.deepStrictEqual(splitPem("no pem here"), []);
});

Deno.test("pemToDer() round-trips derToPem()", () => {
  assert.deepStrictEqual(pemToDer(A), new Uint8Array([1, 2, 3]));
});

const broken: [string, string, string][] = [
  ["empty text", "", "invalid PEM: no PEM block found"],
  [
    "bad base64",
    "-----BEGIN X-----\n@@@@\n-----END X-----\n",
    `invalid PEM block "X": the body is not valid base64`,
  ],
  ["empty body", "-----BEGIN X-----\n-----END X-----\n", `invalid PEM block "X": the block is empty`],
  ["no END", "-----BEGIN X-----\nAQID\n", "invalid PEM: a BEGIN line has no matching END line"],
  [
    "mismatched END",
    "-----BEGIN X-----\nAQID\n-----END Y-----\n",
    `invalid PEM: "BEGIN X" is closed by "END Y"`,
  ],
];
for (const [what, text, msg] of broken) {
  Deno.test(`pemToDer() refuses PEM with ${what}`, () => {
    assert.throws(() => pemToDer(text), { name: "TypeError", message: msg });
  });
}
