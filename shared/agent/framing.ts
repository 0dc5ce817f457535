/**
 * Length-prefixed frames of tunnel.proto: a 4-byte big-endian length, then the message.
 * @module
 */
import type { Duplex } from "node:stream";
import { Buffer } from "node:buffer";

/** Largest frame accepted; a hello or heartbeat is a few hundred bytes. */
export const MAX_FRAME = 64 * 1024;

/** Prefixes `message` with its 4-byte big-endian length. */
export function encodeFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + message.length);
  out.writeUInt32BE(message.length, 0);
  out.set(message, 4);
  return out;
}

/** Splits a byte stream into frames; feed() returns the complete frames seen so far. */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns every complete frame. @throws {RangeError} on an oversized frame */
  feed(chunk: Uint8Array): Uint8Array[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const frames: Uint8Array[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > MAX_FRAME) throw new RangeError(`frame of ${len} bytes exceeds ${MAX_FRAME}`);
      if (this.#buf.length < 4 + len) break;
      frames.push(this.#buf.subarray(4, 4 + len));
      this.#buf = this.#buf.subarray(4 + len);
    }
    return frames;
  }

  /** Bytes received after the last complete frame. */
  rest(): Buffer {
    return this.#buf;
  }
}

/**
 * Reads exactly one frame from `socket`; bytes after it are pushed back (unshift) so that a
 * later pipe sees them. Rejects when the socket ends or errors first, or after `timeoutMs`.
 */
export function readFrame(socket: Duplex, timeoutMs = 10_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    const timer = setTimeout(() => done(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.feed(chunk);
      } catch (e) {
        return done(e as Error);
      }
      const first = frames[0];
      if (first === undefined) return;
      // Only one frame is expected before raw bytes; re-frame anything beyond it.
      const leftover = Buffer.concat([
        ...frames.slice(1).map((f) => encodeFrame(f)),
        decoder.rest(),
      ]);
      done(undefined, first, leftover);
    };
    const onEnd = () => done(new Error("connection closed before a frame arrived"));
    const onError = (e: Error) => done(e);
    const done = (err?: Error, frame?: Uint8Array, leftover?: Buffer) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.pause();
      if (leftover && leftover.length) socket.unshift(leftover);
      if (err) reject(err);
      else resolve(frame!);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", onError);
    socket.resume();
  });
}
