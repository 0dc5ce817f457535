/**
 * Preact's JSX types pull in the DOM lib (`preact/src/jsx.d.ts`), whose TextDecoderStream has a
 * `WritableStream<BufferSource>` side. Any type-check graph holding both the UI and code that
 * pipes a `ReadableStream<Uint8Array>` through `new TextDecoderStream()` (tests/support/process.ts)
 * then fails. This adds the sound overload (a BufferSource sink accepts Uint8Array chunks).
 */
declare global {
  interface ReadableStream<R> {
    pipeThrough<T>(
      transform: { writable: WritableStream<BufferSource>; readable: ReadableStream<T> },
      options?: StreamPipeOptions,
    ): ReadableStream<T>;
  }
}

export {};
