/**
 * Length-prefixed frames of tunnel.proto: a 4-byte big-endian length, then the message.
 * @module
 */
import type { Duplex } from "node:stream";
import { Buffer } from "node:buffer";

/**
 * Largest frame accepted; a hello or heartbeat is a few hundred bytes, an ack with a trust
 * bundle of a few CAs a few KiB.
 */
export const MAX_FRAME = 64 * 1024;

/**
 * The TunnelReply error a connector sends a tunneler it does not admit (failure mode 3.3): a value
 * of the tunnel protocol, which the tunneler compares whole to name the failure mode.
 */
export const TUNNELER_NOT_ALLOWED = "tunneler not allowed";

/**
 * Peer bytes that are not a valid frame or message (oversized length prefix, truncated or
 * garbled message): the session that sent them ends, the process never does.
 */
export class MalformedFrameError extends RangeError {
  override name = "MalformedFrameError";
}

/** A generated message type (ts-proto `MessageFns`): only its decoder is needed here. */
export interface MessageDecoder<T> {
  decode(input: Uint8Array): T;
}

/**
 * Decodes a frame received from a peer as `type`. Every decode of peer bytes goes through
 * here: a truncated or garbled message (the decoder throws RangeError, Error or TypeError from
 * deep inside) becomes one typed refusal the caller turns into the end of that session.
 *
 * @throws {MalformedFrameError} when `frame` is not a valid `what`
 */
export function decodeFrame<T>(type: MessageDecoder<T>, frame: Uint8Array, what: string): T {
  try {
    return type.decode(frame);
  } catch (e) {
    throw new MalformedFrameError(`malformed ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Prefixes `message` with its 4-byte big-endian length. */
export function encodeFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + message.length);
  out.writeUInt32BE(message.length, 0);
  out.set(message, 4);
  return out;
}

/**
 * The first frame of `bytes` and everything after it, untouched (raw tunnel bytes may follow a
 * frame); undefined while the frame is incomplete.
 *
 * @throws {MalformedFrameError} when the frame is larger than MAX_FRAME
 */
export function takeFrame(bytes: Uint8Array): { frame: Uint8Array; rest: Uint8Array } | undefined {
  if (bytes.length < 4) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (len > MAX_FRAME) throw new MalformedFrameError(`frame of ${len} bytes exceeds ${MAX_FRAME}`);
  if (bytes.length < 4 + len) return undefined;
  return { frame: bytes.subarray(4, 4 + len), rest: bytes.subarray(4 + len) };
}

/** Splits a byte stream into frames; feed() returns the complete frames seen so far. */
export class FrameDecoder {
  #buf: Uint8Array = new Uint8Array(0);

  /** Adds bytes and returns every complete frame. @throws {MalformedFrameError} on an oversized frame */
  feed(chunk: Uint8Array): Uint8Array[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const frames: Uint8Array[] = [];
    for (let taken = takeFrame(this.#buf); taken; taken = takeFrame(this.#buf)) {
      frames.push(taken.frame);
      this.#buf = taken.rest;
    }
    return frames;
  }
}

/**
 * Reads exactly one frame from `socket`; the bytes after it are pushed back (unshift) so that
 * a later reader sees them. Rejects when the socket ends or errors first, or after `timeoutMs`.
 */
export function readFrame(socket: Duplex, timeoutMs = 10_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let buffered: Uint8Array = new Uint8Array(0);
    const timer = setTimeout(() => done(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Uint8Array) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      let taken;
      try {
        taken = takeFrame(buffered);
      } catch (e) {
        return done(e as Error);
      }
      if (taken) done(undefined, taken.frame, taken.rest);
    };
    const onEnd = () => done(new Error("connection closed before a frame arrived"));
    const onError = (e: Error) => done(e);
    const done = (err?: Error, frame?: Uint8Array, leftover?: Uint8Array) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.pause();
      if (leftover && leftover.length) socket.unshift(Buffer.from(leftover));
      if (err) reject(err);
      else resolve(frame!);
    };
    // A peer that already hung up (its FIN arrived before we listened) ends no second time.
    if (socket.readableEnded || socket.destroyed) {
      return done(new Error("connection closed before a frame arrived"));
    }
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", onError);
    socket.resume();
  });
}

/**
 * Reads one frame from the peer and decodes it as `type` (readFrame() then decodeFrame()).
 *
 * @throws {MalformedFrameError} when the frame is oversized or not a valid `what`
 * @throws {Error} when the socket ends, errors or stays silent for `timeoutMs`
 */
export async function readMessage<T>(
  socket: Duplex,
  type: MessageDecoder<T>,
  what: string,
  timeoutMs?: number,
): Promise<T> {
  return decodeFrame(type, await readFrame(socket, timeoutMs), what);
}
