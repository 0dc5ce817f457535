import assert from "node:assert/strict";
import { Watched } from "./watched.ts";

const fail = (what: string) => () => new Error(what);

Deno.test("Watched.first resolves with an item pushed after the wait began, from the index given", async () => {
  const w = new Watched<number>();
  w.push(2);
  const wait = w.first((n) => n % 2 === 0, 5_000, { from: 1, timeout: fail("timeout") });
  w.push(3, 4);
  assert.deepEqual(await wait, 4);
});

Deno.test("Watched.first rejects a pending wait once the list ends, when told how", async () => {
  const w = new Watched<string>();
  const wait = w.first((s) => s === "never", 5_000, { timeout: fail("timeout"), ended: fail("ended") });
  w.push("other");
  w.end();
  await assert.rejects(wait, { message: "ended" });
});

Deno.test("Watched.first rejects with its timeout error when nothing matches in time", async () => {
  const w = new Watched<string>();
  await assert.rejects(w.first(() => true, 10, { timeout: fail("no item within 10 ms") }), {
    message: "no item within 10 ms",
  });
});
