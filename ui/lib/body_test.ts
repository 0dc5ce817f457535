import assert from "node:assert/strict";
import { BodyTimeoutError, BodyTooLargeError, readBody } from "./body.ts";

const post = (body: BodyInit, headers?: HeadersInit) =>
  new Request("http://ui.test/", { method: "POST", body, ...(headers ? { headers } : {}) });

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("readBody() accepted the body");
}

Deno.test("readBody() returns a body within the cap", async () => {
  assert.deepEqual(new TextDecoder().decode(await readBody(post("hello"), { limit: 5 })), "hello");
});

Deno.test("readBody() refuses a declared or streamed body over the cap", async () => {
  assert.ok(await refusal(readBody(post("123456"), { limit: 5 })) instanceof BodyTooLargeError);
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  const error = await refusal(readBody(post(endless), { limit: 10_000 }));
  assert.ok(error instanceof BodyTooLargeError);
  assert.deepEqual(error.message, "request body larger than 10000 bytes");
  assert.ok(pulled < 20, `read ${pulled} chunks of an endless body`);
});

Deno.test("readBody() gives up on a body that does not arrive in time", async () => {
  const stalled = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(3));
    },
  });
  assert.ok(
    await refusal(readBody(post(stalled), { limit: 100, deadlineMs: 50 })) instanceof BodyTimeoutError,
  );
});
