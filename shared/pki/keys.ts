/**
 * ECDSA P-256 key pairs: generate, PEM export/import, fingerprints.
 * @module
 */
import { EC_PARAMS, messageOf, sha256Hex } from "./_crypto.ts";
import { decodePem, derToPem } from "./pem.ts";

/** Generates an ECDSA P-256 key pair; the private key is extractable so it can be stored. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(EC_PARAMS, true, ["sign", "verify"]);
}

/** Exports a private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return derToPem(der, "PRIVATE KEY");
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, body: Uint8Array | number[]): number[] {
  return [tag, ...derLength(body.length), ...body];
}

// AlgorithmIdentifier { id-ecPublicKey, prime256v1 }
const EC_P256_ALG = [
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
];

/** Wraps a SEC1 `EC PRIVATE KEY` (P-256) in a PKCS#8 PrivateKeyInfo. */
function sec1ToPkcs8(sec1: Uint8Array): Uint8Array {
  return new Uint8Array(tlv(0x30, [0x02, 0x01, 0x00, ...EC_P256_ALG, ...tlv(0x04, sec1)]));
}

/**
 * Imports a PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) P-256 private key and derives
 * its public key.
 *
 * @throws {TypeError} `invalid private key: <why>`
 */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKeyPair> {
  let block: { label: string; der: Uint8Array };
  try {
    block = decodePem(pem);
  } catch (e) {
    throw new TypeError(`invalid private key: ${messageOf(e)}`);
  }
  let der: Uint8Array;
  if (block.label === "PRIVATE KEY") der = block.der;
  else if (block.label === "EC PRIVATE KEY") der = sec1ToPkcs8(block.der);
  else {
    throw new TypeError(`invalid private key: expected a "PRIVATE KEY" PEM block, got "${block.label}"`);
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", der as Uint8Array<ArrayBuffer>, EC_PARAMS, true, [
      "sign",
    ]);
  } catch (e) {
    throw new TypeError(`invalid private key: not an ECDSA P-256 key (${messageOf(e)})`);
  }
  const publicKey = await derivePublicKey(privateKey);
  return { privateKey, publicKey };
}

/** Derives the public key of an extractable ECDSA P-256 private key. */
export async function derivePublicKey(privateKey: CryptoKey): Promise<CryptoKey> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  delete jwk.d;
  jwk.key_ops = ["verify"];
  return await crypto.subtle.importKey("jwk", jwk, EC_PARAMS, true, ["verify"]);
}

/** DER SubjectPublicKeyInfo of a key; a private key is reduced to its public half first. */
export async function exportSpki(key: CryptoKey): Promise<Uint8Array> {
  const pub = key.type === "private" ? await derivePublicKey(key) : key;
  return new Uint8Array(await crypto.subtle.exportKey("spki", pub));
}

/** SHA-256 (lower-case hex) of the key's DER SubjectPublicKeyInfo. */
export async function publicKeyFingerprint(key: CryptoKey): Promise<string> {
  return sha256Hex(await exportSpki(key));
}
