import assert from "node:assert/strict";
import { parseCookieHeader } from "./cookies.ts";

const CASES: [header: string, expected: Record<string, string>][] = [
  ["", {}],
  ["a=1", { a: "1" }],
  ["a=1; b=x%20y", { a: "1", b: "x y" }],
  ["a=%", {}],
  ["a=%; postern_session=abc", { postern_session: "abc" }],
  ["bad=%E0%A4%A; good=1", { good: "1" }],
  ["=nameless; b=2", { b: "2" }],
  ["novalue; b=2", { b: "2" }],
  [";;; ; b=2;", { b: "2" }],
  ['q="quoted"', { q: "quoted" }],
  ["a=1; a=2", { a: "1" }],
  ["a==b", { a: "=b" }],
];

for (const [header, expected] of CASES) {
  Deno.test(`parseCookieHeader() reads ${JSON.stringify(header)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(Object.fromEntries(parseCookieHeader(header)), expected);
  });
}
