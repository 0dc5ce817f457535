import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { Rotation, tryInTurn } from "./rotation.ts";

Deno.test("tryInTurn() tries the current peer first, then the others, and the one that answers becomes current", async () => {
  const r = new Rotation(["a", "b", "c"]);
  const tried: string[] = [];
  const failed: string[] = [];
  const got = await tryInTurn(r, (t) => {
    tried.push(t);
    return t === "c" ? Promise.resolve(`from ${t}`) : Promise.reject(new Error(`${t} down`));
  }, { onFailed: (t) => failed.push(t) });
  assertEquals(got, "from c");
  assertEquals(tried, ["a", "b", "c"]);
  assertEquals(failed, ["a", "b"]);
  assertEquals(r.order(), ["c", "a", "b"]);
});

Deno.test("tryInTurn() throws the last error when every peer failed, and stops at once on an error it must not move on from", async () => {
  const r = new Rotation(["a", "b"]);
  await rejects(tryInTurn(r, (t) => Promise.reject(new Error(`${t} down`))), /^Error: b down$/);
  const tried: string[] = [];
  await rejects(
    tryInTurn(r, (t) => {
      tried.push(t);
      return Promise.reject(new RangeError("refused"));
    }, { moveOn: (e) => !(e instanceof RangeError) }),
    RangeError,
  );
  assertEquals(tried.length, 1, "a refusal every peer would repeat is not tried again");
});
