import assert from "node:assert/strict";
import { sameItems } from "./same_items.ts";

Deno.test("sameItems() is true for the same items in the same order, false for another order or length", () => {
  assert.equal(sameItems(["a", "b"], ["a", "b"]), true);
  assert.equal(sameItems([], []), true);
  assert.equal(sameItems(["a", "b"], ["b", "a"]), false);
  assert.equal(sameItems(["a"], ["a", "b"]), false);
  assert.equal(sameItems([1], ["1"] as unknown[]), false);
});
