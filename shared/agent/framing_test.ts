import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { Buffer } from "node:buffer";
import { encodeFrame, MAX_FRAME, readFrame, takeFrame } from "./framing.ts";

const enc = new TextEncoder();

/** Everything `stream` yields from now until it ends (readFrame() leaves it paused). */
async function rest(stream: PassThrough): Promise<string> {
  let out = "";
  stream.on("data", (d: Buffer) => out += d.toString("latin1"));
  stream.resume();
  await new Promise((r) => stream.once("end", r));
  return out;
}

Deno.test("readFrame() returns the reply and leaves a banner that came in the same chunk untouched", async () => {
  // "SSH-" read as a frame length is 1.4 GB: the bytes after the frame are raw tunnel bytes.
  const stream = new PassThrough();
  stream.write(Buffer.concat([encodeFrame(enc.encode("reply")), Buffer.from("SSH-2.0-OpenSSH_9.6\r\n")]));
  const frame = await readFrame(stream);
  assert.equal(new TextDecoder().decode(frame), "reply");
  const after = rest(stream);
  stream.end("more");
  assert.equal(await after, "SSH-2.0-OpenSSH_9.6\r\nmore");
});

Deno.test("readFrame() waits for a frame split across chunks, and keeps what follows it", async () => {
  const stream = new PassThrough();
  const framed = encodeFrame(enc.encode("a frame of some length"));
  const reading = readFrame(stream);
  stream.write(framed.subarray(0, 2));
  stream.write(framed.subarray(2, 9));
  stream.write(Buffer.concat([framed.subarray(9), encodeFrame(enc.encode("x"))]));
  assert.equal(new TextDecoder().decode(await reading), "a frame of some length");
  const after = rest(stream);
  stream.end();
  assert.deepEqual(Buffer.from(await after, "latin1"), Buffer.from(encodeFrame(enc.encode("x"))));
});

Deno.test("readFrame() refuses an oversized frame and a stream that ends first", async () => {
  const big = new PassThrough();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME + 1);
  big.write(header);
  await assert.rejects(readFrame(big), { message: `frame of ${MAX_FRAME + 1} bytes exceeds ${MAX_FRAME}` });
  const short = new PassThrough();
  short.end(Buffer.from([0, 0]));
  await assert.rejects(readFrame(short), { message: "connection closed before a frame arrived" });
});

Deno.test("takeFrame() splits off the first frame only when it is complete", () => {
  const framed = encodeFrame(enc.encode("hello"));
  assert.equal(takeFrame(framed.subarray(0, 6)), undefined);
  const taken = takeFrame(Buffer.concat([framed, Buffer.from("tail")]))!;
  assert.equal(new TextDecoder().decode(taken.frame), "hello");
  assert.equal(new TextDecoder().decode(taken.rest), "tail");
});
