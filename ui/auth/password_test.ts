import assert from "node:assert/strict";
import {
  constantTimeEqual,
  hashPassword,
  hashVerifier,
  parsePasswordHash,
  plainVerifier,
} from "./password.ts";

Deno.test("hashPassword() makes a pbkdf2-sha256 hash that hashVerifier() accepts only for the password", async () => {
  const hash = await hashPassword("open sesame", 2000);
  assert.ok(/^pbkdf2-sha256\$2000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash), hash);
  const verify = hashVerifier(hash);
  assert.ok(await verify("open sesame"));
  assert.ok(!(await verify("open sesame!")));
  assert.ok(!(await verify("")));
});

Deno.test("parsePasswordHash() refuses malformed hashes naming the format", () => {
  for (const bad of ["", "pbkdf2-sha256$1$a$b", "bcrypt$10$x$y", "pbkdf2-sha256$600000$!!$??"]) {
    let message = "";
    try {
      parsePasswordHash(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.ok(
      message.includes("pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"),
      `${bad}: ${message}`,
    );
  }
});

Deno.test("plainVerifier() and constantTimeEqual() compare exactly", async () => {
  const verify = plainVerifier("pw");
  assert.ok(await verify("pw"));
  assert.ok(!(await verify("PW")));
  assert.deepEqual(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.deepEqual(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.deepEqual(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2])), false);
});
