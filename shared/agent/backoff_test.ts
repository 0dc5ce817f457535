import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

const ceilings = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

Deno.test("Backoff with perRound keeps one ceiling for each round of controllers before doubling it", () => {
  // random 0.999999: each delay is just under its ceiling.
  const one = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.999999 });
  assert.deepEqual(ceilings(one, 5), [999, 1999, 3999, 7999, 7999]);
  const two = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.999999, perRound: 2 });
  assert.deepEqual(ceilings(two, 7), [999, 999, 1999, 1999, 3999, 3999, 7999]);
  two.reset();
  assert.deepEqual(two.next(), 999);
});
