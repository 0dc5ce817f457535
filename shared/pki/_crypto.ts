/**
 * Internal: binds @peculiar/x509 to Deno's WebCrypto and holds small helpers.
 * @module
 */
import "reflect-metadata"; // tsyringe (used by @peculiar/x509) needs it loaded first
import * as x509 from "@peculiar/x509";
import { createHash } from "node:crypto";

// @peculiar/x509 needs a WebCrypto provider; Deno's global `crypto` is one.
x509.cryptoProvider.set(crypto);

export { x509 };

/** ECDSA P-256 key parameters used everywhere in Postern. */
export const EC_PARAMS: EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };
/** Signature algorithm used for every certificate and CSR. */
export const SIGNING_ALG: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** Synchronous SHA-256 as lower-case hex. */
export function sha256Hex(data: ArrayBuffer | Uint8Array): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  return createHash("sha256").update(bytes).digest("hex");
}

/** A random positive serial number of 128 bits as hex (high bit clear, first byte non-zero). */
export function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x40;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Error message of an unknown thrown value. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Byte equality. */
export function bytesEqual(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  const x = a instanceof Uint8Array ? a : new Uint8Array(a);
  const y = b instanceof Uint8Array ? b : new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
