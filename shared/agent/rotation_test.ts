import assert from "node:assert/strict";
import { Rotation, tryInTurn } from "./rotation.ts";

Deno.test("tryInTurn() tries the current peer first, then the others, and the one that answers becomes current", async () => {
  const r = new Rotation(["a", "b", "c"]);
  const tried: string[] = [];
  const failed: string[] = [];
  const got = await tryInTurn(r, (t) => {
    tried.push(t);
    return t === "c" ? Promise.resolve(`from ${t}`) : Promise.reject(new Error(`${t} down`));
  }, { onFailed: (t) => failed.push(t) });
  assert.deepEqual(got, "from c");
  assert.deepEqual(tried, ["a", "b", "c"]);
  assert.deepEqual(failed, ["a", "b"]);
  assert.deepEqual(r.order(), ["c", "a", "b"]);
});

Deno.test("tryInTurn() throws the last error when every peer failed, and stops at once on an error it must not move on from", async () => {
  const r = new Rotation(["a", "b"]);
  await assert.rejects(tryInTurn(r, (t) => Promise.reject(new Error(`${t} down`))), /^Error: b down$/);
  const tried: string[] = [];
  await assert.rejects(
    tryInTurn(r, (t) => {
      tried.push(t);
      return Promise.reject(new RangeError("refused"));
    }, { moveOn: (e) => !(e instanceof RangeError) }),
    RangeError,
  );
  assert.deepEqual(tried.length, 1, "a refusal every peer would repeat is not tried again");
});
