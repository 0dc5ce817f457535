/** Where the login page may send the operator afterwards: a path on this site, nothing else. */

/** Where a refused or missing `next` leads. */
export const DEFAULT_NEXT = "/";

/**
 * `next` when it is a same-origin absolute path, else `/`. Accepted: a single leading `/`, no `//`
 * and no `\` anywhere (also after percent-decoding, since browsers read `/\host` as `//host`), no
 * scheme, no control characters or spaces, and it must resolve to this origin.
 */
export function safeNext(next: string | null | undefined): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.length > 2048) return DEFAULT_NEXT;
  let decoded = next;
  // Decode until stable (bounded): `%255C` is `%5C` is `\`.
  for (let i = 0; i < 3; i++) {
    let once: string;
    try {
      once = decodeURIComponent(decoded);
    } catch {
      return DEFAULT_NEXT;
    }
    if (once === decoded) break;
    decoded = once;
  }
  for (const text of [next, decoded]) {
    if (!text.startsWith("/") || text.startsWith("//") || text.includes("\\")) return DEFAULT_NEXT;
    // deno-lint-ignore no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return DEFAULT_NEXT;
  }
  if (next.includes(" ")) return DEFAULT_NEXT;
  const base = "http://postern.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return DEFAULT_NEXT;
  }
  // Return `next` itself: its normalised form can be worse (`/a/../..//x` normalises to `//x`).
  if (url.origin !== base || url.pathname.startsWith("//")) return DEFAULT_NEXT;
  return next;
}
