/**
 * JSON helpers of the admin API: responses, errors and bounded body parsing.
 * @module
 */
import { concatBytes } from "../../shared/bytes.ts";
import { StatusError } from "../../shared/http/status_error.ts";

/** Largest accepted request body. */
export const MAX_BODY = 1 << 20;

/** A client mistake: answered with `status` and `{"error": message}`. */
export class HttpError extends StatusError {
  override name = "HttpError";
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonText(JSON.stringify(body), status, headers);
}

/** A JSON response of text already rendered. */
export function jsonText(text: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** `{"error": message}` with `status`. */
export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: message }, status, headers);
}

/** Reads a JSON object body of at most MAX_BODY bytes. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) throw new HttpError(413, `request body larger than ${MAX_BODY} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > MAX_BODY) throw new HttpError(413, `request body larger than ${MAX_BODY} bytes`);
      chunks.push(chunk);
    }
  }
  const text = new TextDecoder().decode(concatBytes(chunks));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `invalid JSON body: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "invalid JSON body: expected an object");
  }
  return value as Record<string, unknown>;
}

/** The last seconds {@link rfc3339} formatted (listings show thousands of last_seen within a few). */
const formatted = new Map<number, string>();

/** RFC 3339 UTC to the second, or null. */
export function rfc3339(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  const s = Math.floor(ms / 1000);
  let text = formatted.get(s);
  if (text === undefined) {
    text = new Date(s * 1000).toISOString().replace(/\.000Z$/, "Z");
    if (formatted.size >= 256) formatted.clear();
    formatted.set(s, text);
  }
  return text;
}
