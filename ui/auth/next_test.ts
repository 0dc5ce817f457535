import assert from "node:assert/strict";
import { safeNext } from "./next.ts";

const CASES: [next: string | null, expected: string][] = [
  [null, "/"],
  ["", "/"],
  ["/", "/"],
  ["/connectors", "/connectors"],
  ["/connectors/c1?tab=allowlist#top", "/connectors/c1?tab=allowlist#top"],
  ["/events?kind=token.created&limit=5", "/events?kind=token.created&limit=5"],
  ["/a/../..//evil.example", "/"], // normalises to //evil.example
  ["/tunnelers/../events", "/tunnelers/../events"],
  // Off-site, literally or after decoding.
  ["//evil.example", "/"],
  ["///evil.example", "/"],
  ["/\\evil.example", "/"],
  ["/%5Cevil.example", "/"],
  ["/%5cevil.example", "/"],
  ["/%255Cevil.example", "/"],
  ["/%2F%2Fevil.example", "/"],
  ["/%2f/evil.example", "/"],
  ["\\\\evil.example", "/"],
  ["https://evil.example/", "/"],
  ["javascript:alert(1)", "/"],
  ["evil.example", "/"],
  ["connectors", "/"],
  // Control characters and spaces: header injection or a parser that strips them.
  ["/\t/evil.example", "/"],
  ["/%09/evil.example", "/"],
  ["/\n/evil.example", "/"],
  ["/x%0d%0aSet-Cookie:%20a=b", "/"],
  ["/ /evil.example", "/"],
  ["/%00", "/"],
  // Not decodable: refused rather than guessed.
  ["/%E0%A4%A", "/"],
  ["/" + "a".repeat(3000), "/"],
];

for (const [next, expected] of CASES) {
  Deno.test(`safeNext() maps ${JSON.stringify(next)} to ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(safeNext(next), expected);
  });
}
