/** Minimal cookie reading and writing. */

/**
 * The cookies of a request as a map. A malformed pair (no name, or a value that does not
 * percent-decode) is skipped and the rest are read: a cookie header never fails a request. When
 * a name repeats, the first wins (browsers send the most specific path first).
 */
export function readCookies(req: Request): Map<string, string> {
  return parseCookieHeader(req.headers.get("cookie") ?? "");
}

/** Parses a `Cookie` header value; see readCookies(). */
export function parseCookieHeader(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || out.has(name)) continue;
    let value = part.slice(i + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // URIError: a lone `%` or a broken UTF-8 sequence; skip this pair only.
    }
  }
  return out;
}

/** Options of setCookie(). */
export interface CookieOptions {
  /** Seconds until expiry; 0 deletes the cookie; undefined makes a browser-session cookie. */
  maxAge?: number;
  /** Add `Secure` (served over HTTPS). */
  secure: boolean;
  /** Path; default "/". */
  path?: string;
}

/** A Set-Cookie value that is always HttpOnly and SameSite=Strict. */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? "/"}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** True when the request reached us over HTTPS (directly or via a proxy setting X-Forwarded-Proto). */
export function isHttps(req: Request): boolean {
  const forwarded = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https" || new URL(req.url).protocol === "https:";
}
