/**
 * Bench helper: a text stream cut into lines, for reading what a child process prints.
 * @module
 */

/**
 * Splits a text stream into lines (without their "\n"; a last line without one comes at the end).
 * `maxPending` bounds the unfinished line kept between chunks to its last that many characters, so
 * that output without newlines cannot grow without bound.
 */
export class LineSplit extends TransformStream<string, string> {
  constructor(maxPending = Infinity) {
    let rest = "";
    super({
      transform(chunk, out) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!.slice(-maxPending);
        for (const p of parts) out.enqueue(p);
      },
      flush(out) {
        if (rest) out.enqueue(rest);
      },
    });
  }
}

/** The lines of a child's output stream. */
export function linesOf(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  maxPending?: number,
): ReadableStream<string> {
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(new LineSplit(maxPending));
}
