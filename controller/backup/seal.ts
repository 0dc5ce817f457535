/**
 * The CA private keys inside a backup, sealed with a passphrase: PBKDF2-SHA-256 (600 000
 * iterations, OWASP's figure for it) derives an AES-256-GCM key from the passphrase and a random
 * salt; the header of the backup is the additional data, so a sealed block cannot be moved into
 * another backup or its header altered without the open failing.
 * @module
 */
import { decodeBase64, encodeBase64 } from "./codec.ts";

/** PBKDF2 iterations of new backups (the file records the count it used). */
export const PBKDF2_ITERATIONS = 600_000;

/** A sealed block as the file stores it. */
export interface Sealed {
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  cipher: { name: "AES-GCM"; iv: string };
  ciphertext: string;
}

/** The passphrase did not open the block (wrong passphrase or altered file). */
export class SealError extends Error {
  override name = "SealError";
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, [
    "deriveKey",
  ]);
  return await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Seals `plaintext` under `passphrase`, bound to `aad`. */
export async function seal(
  plaintext: string,
  passphrase: string,
  aad: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<Sealed> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await deriveKey(passphrase, salt, iterations);
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return {
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: encodeBase64(salt) },
    cipher: { name: "AES-GCM", iv: encodeBase64(iv) },
    ciphertext: encodeBase64(new Uint8Array(ct)),
  };
}

/** Opens a block of {@link seal}; SealError when the passphrase or the data do not match. */
export async function unseal(sealed: Sealed, passphrase: string, aad: string): Promise<string> {
  if (sealed?.kdf?.name !== "PBKDF2" || sealed.kdf.hash !== "SHA-256" || sealed.cipher?.name !== "AES-GCM") {
    throw new SealError("the sealed CA keys use an unknown algorithm");
  }
  const iterations = sealed.kdf.iterations;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new SealError(`the sealed CA keys name ${JSON.stringify(iterations)} PBKDF2 iterations`);
  }
  const key = await deriveKey(passphrase, decodeBase64(sealed.kdf.salt), iterations);
  try {
    const pt = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: decodeBase64(sealed.cipher.iv) as BufferSource,
        additionalData: new TextEncoder().encode(aad),
      },
      key,
      decodeBase64(sealed.ciphertext) as BufferSource,
    );
    return new TextDecoder().decode(pt);
  } catch {
    throw new SealError("the passphrase does not open the CA keys of this backup (or the file was altered)");
  }
}
