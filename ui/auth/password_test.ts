import { assert, assertEquals } from "../../tests/support/assert.ts";
import {
  constantTimeEqual,
  hashPassword,
  hashVerifier,
  parsePasswordHash,
  plainVerifier,
} from "./password.ts";

Deno.test("hashPassword() makes a pbkdf2-sha256 hash that hashVerifier() accepts only for the password", async () => {
  const hash = await hashPassword("open sesame", 2000);
  assert(/^pbkdf2-sha256\$2000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash), hash);
  const verify = hashVerifier(hash);
  assert(await verify("open sesame"));
  assert(!(await verify("open sesame!")));
  assert(!(await verify("")));
});

Deno.test("parsePasswordHash() refuses malformed hashes naming the format", () => {
  for (const bad of ["", "pbkdf2-sha256$1$a$b", "bcrypt$10$x$y", "pbkdf2-sha256$600000$!!$??"]) {
    let message = "";
    try {
      parsePasswordHash(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    assert(message.includes("pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"), `${bad}: ${message}`);
  }
});

Deno.test("plainVerifier() and constantTimeEqual() compare exactly", async () => {
  const verify = plainVerifier("pw");
  assert(await verify("pw"));
  assert(!(await verify("PW")));
  assertEquals(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assertEquals(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assertEquals(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2])), false);
});
