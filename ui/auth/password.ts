/**
 * Operator passwords. `UI_ADMIN_PASSWORD_HASH` holds
 * `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>` (PBKDF2-HMAC-SHA-256, 32-byte hash);
 * `deno run ui/hash_password.ts` makes one.
 */

const PREFIX = "pbkdf2-sha256";
/** Default PBKDF2 iterations for new hashes (OWASP 2023 guidance for PBKDF2-HMAC-SHA-256). */
export const DEFAULT_ITERATIONS = 600_000;

/** Checks a candidate password; resolves true on a match. Comparison runs in constant time. */
export type PasswordVerifier = (candidate: string) => Promise<boolean>;

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** True when both arrays hold the same bytes; the time taken depends only on the length. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** Hashes `password` into the `pbkdf2-sha256$…` format with a fresh 16-byte salt. */
export async function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `${PREFIX}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Parses a stored hash; throws TypeError naming the expected format when it is malformed. */
export function parsePasswordHash(text: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } {
  const parts = text.trim().split("$");
  const fail = () =>
    new TypeError(
      `invalid password hash "${
        text.slice(0, 20)
      }…": expected pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>, made by "deno run ui/hash_password.ts"`,
    );
  if (parts.length !== 4 || parts[0] !== PREFIX) throw fail();
  const iterations = Number(parts[1]);
  if (!Number.isInteger(iterations) || iterations < 1000) throw fail();
  try {
    const salt = fromBase64(parts[2]!);
    const hash = fromBase64(parts[3]!);
    if (salt.length < 8 || hash.length !== 32) throw fail();
    return { iterations, salt, hash };
  } catch {
    throw fail();
  }
}

/** A verifier for a stored `pbkdf2-sha256$…` hash. */
export function hashVerifier(stored: string): PasswordVerifier {
  const { iterations, salt, hash } = parsePasswordHash(stored);
  return async (candidate) => constantTimeEqual(await pbkdf2(candidate, salt, iterations), hash);
}

/** A verifier for a plain password (compares SHA-256 digests in constant time). */
export function plainVerifier(password: string): PasswordVerifier {
  const expected = crypto.subtle.digest("SHA-256", encoder.encode(password)).then((b) => new Uint8Array(b));
  return async (candidate) => {
    const got = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(candidate)));
    return constantTimeEqual(got, await expected);
  };
}
