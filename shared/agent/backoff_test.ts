import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Backoff } from "./backoff.ts";

const ceilings = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

Deno.test("Backoff with perRound keeps one ceiling for each round of controllers before doubling it", () => {
  // random 0.999999: each delay is just under its ceiling.
  const one = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.999999 });
  assertEquals(ceilings(one, 5), [999, 1999, 3999, 7999, 7999]);
  const two = new Backoff({ baseMs: 1000, capMs: 8000, random: () => 0.999999, perRound: 2 });
  assertEquals(ceilings(two, 7), [999, 999, 1999, 1999, 3999, 3999, 7999]);
  two.reset();
  assertEquals(two.next(), 999);
});
