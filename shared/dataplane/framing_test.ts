import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { Buffer } from "node:buffer";
import {
  decodeFrame,
  encodeFrame,
  FrameDecoder,
  MalformedFrameError,
  MAX_FRAME,
  readFrame,
  readMessage,
  takeFrame,
} from "./framing.ts";
import { TunnelerHeartbeat } from "../proto/gen/postern/v1/control_plane_pb.ts";
import { TunnelHello } from "../proto/gen/postern/v1/tunnel_pb.ts";

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

Deno.test("decodeFrame() turns a truncated message into a MalformedFrameError naming what was expected", () => {
  // The frame of the report: field 1, length 0xffffffff, one byte of it.
  const bad = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41]);
  assert.throws(() => TunnelerHeartbeat.decode(bad), RangeError);
  assert.throws(() => decodeFrame(TunnelerHeartbeat, bad, "heartbeat frame"), {
    name: "MalformedFrameError",
    message: "malformed heartbeat frame: premature EOF",
  });
  const good = TunnelerHeartbeat.encode({
    tunnelerId: "t1",
    version: "1",
    certNotAfterUnixMs: 5,
    bytesIn: 1,
    bytesOut: 2,
    activeConnections: 3,
    trustedCaFingerprints: [],
    goodbye: false,
  }).finish();
  assert.equal(decodeFrame(TunnelerHeartbeat, good, "heartbeat frame").tunnelerId, "t1");
});

Deno.test("decodeFrame() refuses every truncation of a valid hello without another kind of error", () => {
  const whole = TunnelHello.encode({ kind: { $case: "open", value: { destination: "127.0.0.1:22" } } })
    .finish();
  for (let n = 1; n < whole.length; n++) {
    try {
      decodeFrame(TunnelHello, whole.subarray(0, n), "tunnel hello");
    } catch (e) {
      assert.ok(e instanceof MalformedFrameError, `prefix of ${n} bytes: ${e}`);
    }
  }
});

Deno.test("readMessage() rejects a garbled hello with a MalformedFrameError", async () => {
  const stream = new PassThrough();
  stream.write(encodeFrame(Uint8Array.from([0x12, 0x7f])));
  await assert.rejects(readMessage(stream, TunnelHello, "tunnel hello"), {
    name: "MalformedFrameError",
    message: "malformed tunnel hello: premature EOF",
  });
});

Deno.test("FrameDecoder refuses a length prefix over MAX_FRAME before buffering its body", () => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME + 1);
  assert.throws(() => new FrameDecoder().feed(header), {
    name: "MalformedFrameError",
    message: `frame of ${MAX_FRAME + 1} bytes exceeds ${MAX_FRAME}`,
  });
});
