import assert from "node:assert/strict";
import { capText, MAX_UNTRUSTED_TEXT } from "./untrusted.ts";

Deno.test("capText() keeps short text and cuts long text with a marker naming what was dropped", () => {
  assert.equal(capText("connector"), "connector");
  assert.equal(capText("x".repeat(MAX_UNTRUSTED_TEXT)), "x".repeat(MAX_UNTRUSTED_TEXT));
  assert.equal(capText("abcdef", 4), "abcd…[truncated 2 characters]");
  assert.equal(
    capText("y".repeat(3_000_000)).length,
    MAX_UNTRUSTED_TEXT + "…[truncated 2999744 characters]".length,
  );
  assert.equal(capText(undefined), "undefined");
});
