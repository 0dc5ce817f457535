import assert from "node:assert/strict";
import { poll } from "./poll.ts";

Deno.test("poll returns the first answer other than undefined", async () => {
  let asked = 0;
  const value = await poll("the third ask", () => Promise.resolve(++asked === 3 ? "yes" : undefined), {
    timeoutMs: 5_000,
    everyMs: 1,
  });
  assert.deepEqual([value, asked], ["yes", 3]);
});

Deno.test("poll names what it waited for, the last error and the context when it times out", async () => {
  await assert.rejects(
    poll("the sky to fall", () => Promise.reject(new Error("not yet")), {
      timeoutMs: 20,
      everyMs: 5,
      retryErrors: true,
      context: () => "; output: none",
    }),
    { message: "timed out after 20 ms waiting for the sky to fall (Error: not yet); output: none" },
  );
});

Deno.test("poll passes a probe's error on at once unless told to retry", async () => {
  let asked = 0;
  await assert.rejects(
    poll("anything", () => {
      asked++;
      return Promise.reject(new Error("broken probe"));
    }, { timeoutMs: 5_000 }),
    { message: "broken probe" },
  );
  assert.deepEqual(asked, 1);
});
