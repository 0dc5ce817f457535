/** Reading request bodies with a size cap and a deadline, so that no client holds memory or a request open at will. */

/** The body was larger than the cap: answer 413. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  /** The cap in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** The body did not arrive within the deadline: answer 408. */
export class BodyTimeoutError extends Error {
  override name = "BodyTimeoutError";
}

/** Options of readBody(). */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** Time allowed for the whole body (default 10 s). */
  deadlineMs?: number;
}

/**
 * The request body as bytes, refused before reading when Content-Length is over the cap and as
 * soon as the bytes read pass it.
 * @throws {BodyTooLargeError} over the cap
 * @throws {BodyTimeoutError} past the deadline
 */
export async function readBody(req: Request, options: ReadBodyOptions): Promise<Uint8Array> {
  const { limit } = options;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await req.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limit);
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BodyTimeoutError("request body not received in time")),
      options.deadlineMs ?? 10_000,
    );
  });
  try {
    while (true) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw new BodyTooLargeError(limit);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A form body (urlencoded or multipart) read with readBody()'s cap and deadline. */
export async function readForm(req: Request, options: ReadBodyOptions): Promise<FormData> {
  const bytes = await readBody(req, options);
  return await new Response(bytes as BodyInit, {
    headers: { "content-type": req.headers.get("content-type") ?? "" },
  }).formData();
}
