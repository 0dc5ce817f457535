import assert from "node:assert/strict";
import { newSecret, secretIdOf, tokenIdOf } from "./tokens.ts";

Deno.test("newSecret() makes <prefix>_<16 hex id>_<43 base64url>, and secretIdOf() reads the id of its own prefix only", () => {
  const a = newSecret("pt");
  const b = newSecret("pt");
  assert.match(a.text, /^pt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.ok(a.text.startsWith(`pt_${a.id}_`), a.text);
  assert.notEqual(a.text, b.text);
  assert.equal(secretIdOf("pt", a.text), a.id);
  assert.equal(tokenIdOf(a.text), a.id);
  assert.equal(secretIdOf("pak", a.text), undefined);
  const key = newSecret("pak");
  assert.equal(secretIdOf("pak", key.text), key.id);
  assert.equal(tokenIdOf(key.text), undefined);
  for (
    const text of [
      "",
      "pt_",
      `${a.text}x`,
      a.text.slice(0, -1),
      ` ${a.text}`,
      a.text.replace(a.id, "G".repeat(16)),
    ]
  ) {
    assert.equal(secretIdOf("pt", text), undefined, text);
  }
});
