import assert from "node:assert/strict";
import { normalizeTrustDomain } from "./trust_domain.ts";

const ok: [string, string][] = [
  ["postern.internal", "postern.internal"],
  ["Example.COM.", "example.com"],
  ["a-b.c0", "a-b.c0"],
  ["localhost", "localhost"],
  [`${"a".repeat(63)}.com`, `${"a".repeat(63)}.com`],
];
for (const [raw, want] of ok) {
  Deno.test(`normalizeTrustDomain() returns "${want}" for "${raw}"`, () => {
    assert.deepStrictEqual(normalizeTrustDomain(raw), want);
  });
}

const bad: [string, string][] = [
  ["a..b", "empty label (two dots in a row, or a leading or trailing dot)"],
  ["example.com..", "empty label (two dots in a row, or a leading or trailing dot)"],
  [".example.com", "empty label (two dots in a row, or a leading or trailing dot)"],
  ["exa mple", `label "exa mple" must use only a-z, 0-9 and '-', and must not start or end with '-'`],
  ["-a.com", `label "-a" must use only a-z, 0-9 and '-', and must not start or end with '-'`],
  ["a_b.com", `label "a_b" must use only a-z, 0-9 and '-', and must not start or end with '-'`],
  ["", "trust domain is empty"],
  [".", "trust domain is empty"],
  [`${"a".repeat(64)}.com`, `label "${"a".repeat(64)}" is longer than 63 characters`],
  [Array(64).fill("abc").join("."), "name is 255 characters long, at most 253 are allowed"],
];
for (const [raw, reason] of bad) {
  Deno.test(`normalizeTrustDomain() refuses "${raw.slice(0, 30)}" with an invalid domain error`, () => {
    assert.throws(() => normalizeTrustDomain(raw), {
      name: "TypeError",
      message: `cannot parse URI "spiffe://${raw}": invalid domain "${raw}": ${reason}`,
    });
  });
}
