/** Minimal cookie reading and writing. */

/** The cookies of a request as a map. */
export function readCookies(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
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
