/**
 * The CA private key never goes into a shared store in clear: before the controller writes it to
 * etcd it seals it with AES-256-GCM (WebCrypto) under the key in `CA_KEY_ENCRYPTION_KEY_FILE`
 * (32 random bytes, base64, the same on every controller, handed over as a credential), bound to
 * the CA it belongs to (its fingerprint is the additional authenticated data), so a sealed key
 * can be neither read, altered, nor moved onto another CA's record without the key.
 *
 * A sealed key is one line of text: `postern-sealed-v1.<iv>.<ciphertext+tag>` (base64url).
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { type Env, optional } from "../../shared/config/env.ts";

/** The variable that names the sealing key's file. */
export const SEALING_KEY_VARIABLE = "CA_KEY_ENCRYPTION_KEY_FILE";

const PREFIX = "postern-sealed-v1.";
const KEY_BYTES = 32;
const IV_BYTES = 12;

/** A sealed key that does not open: the wrong sealing key, altered text, or another CA's record. */
export class SealedKeyError extends Error {
  override name = "SealedKeyError";
}

/** Whether `text` is a sealed key (and not a PEM key). */
export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** The AES-256-GCM key that seals CA private keys for a shared store. */
export class SealingKey {
  readonly #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** The key from its 32 raw bytes. */
  static async fromBytes(bytes: Uint8Array): Promise<SealingKey> {
    if (bytes.length !== KEY_BYTES) {
      throw new RangeError(`a sealing key has ${KEY_BYTES} bytes: got ${bytes.length}`);
    }
    const key = await crypto.subtle.importKey("raw", bytes.slice(), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    return new SealingKey(key);
  }

  /** Seals `plaintext` (a PEM key) for the CA named by `context` (its fingerprint). */
  async seal(plaintext: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8(context) },
      this.#key,
      utf8(plaintext),
    );
    return `${PREFIX}${base64url(iv)}.${base64url(new Uint8Array(data))}`;
  }

  /** Opens a sealed key of the CA named by `context`; {@link SealedKeyError} when it does not open. */
  async open(sealed: string, context: string): Promise<string> {
    if (!isSealed(sealed)) {
      throw new SealedKeyError("the stored CA key is not sealed (no postern-sealed-v1 prefix)");
    }
    const [ivText, dataText, ...rest] = sealed.slice(PREFIX.length).split(".");
    const iv = ivText === undefined ? null : fromBase64url(ivText);
    const data = dataText === undefined ? null : fromBase64url(dataText);
    if (rest.length > 0 || !iv || iv.length !== IV_BYTES || !data || data.length < 16) {
      throw new SealedKeyError("the stored CA key is malformed: it is not a postern-sealed-v1 value");
    }
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: utf8(context) },
        this.#key,
        data,
      );
      return new TextDecoder().decode(plain);
    } catch {
      throw new SealedKeyError(
        `the stored CA key of "${context}" does not open with ${SEALING_KEY_VARIABLE}: every controller needs the same key, and the stored value may have been altered`,
      );
    }
  }
}

/**
 * The sealing key of `CA_KEY_ENCRYPTION_KEY_FILE`, or undefined when the variable is unset. An
 * unreadable file or one that is not 32 bytes in base64 is a {@link ConfigError} (exit 2) naming
 * the variable and the fix.
 */
export async function sealingKeyFrom(env: Env): Promise<SealingKey | undefined> {
  const path = optional(env, SEALING_KEY_VARIABLE);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `${SEALING_KEY_VARIABLE}: cannot read "${path}" (${
        (e as Error).message
      }): check the path and its permissions, or hand it over with LoadCredential=`,
    );
  }
  const bytes = fromBase64(text.trim());
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new ConfigError(
      `${SEALING_KEY_VARIABLE}: "${path}" must hold ${KEY_BYTES} random bytes in base64 (got ${
        bytes ? `${bytes.length} bytes` : "no base64"
      }): create one with \`openssl rand -base64 32\``,
    );
  }
  return await SealingKey.fromBytes(bytes);
}

/**
 * The sealing key a controller on a shared store must have: without `CA_KEY_ENCRYPTION_KEY_FILE`
 * it refuses to start (ConfigError, exit 2), since the CA key would otherwise go to etcd in clear.
 */
export async function requiredSealingKey(env: Env): Promise<SealingKey> {
  const key = await sealingKeyFrom(env);
  if (!key) {
    throw new ConfigError(
      `${SEALING_KEY_VARIABLE} is required with an etcd CONTROLLER_STORE: the CA private key is never written to a shared store in clear; create the key with \`openssl rand -base64 32\` and give the same file to every controller`,
    );
  }
  return key;
}

/**
 * The sealing key a store of `kind` takes: required with etcd ({@link requiredSealingKey}); with
 * Deno KV the variable has no use, and setting it is a ConfigError rather than silently ignored.
 */
export async function sealingKeyFor(
  store: { kind: "kv" | "etcd" },
  env: Env,
): Promise<SealingKey | undefined> {
  if (store.kind === "etcd") return await requiredSealingKey(env);
  if (optional(env, SEALING_KEY_VARIABLE) !== undefined) {
    throw new ConfigError(
      `${SEALING_KEY_VARIABLE} is set but CONTROLLER_STORE is not etcd: CA keys in Deno KV stay in the controller's own state directory; unset ${SEALING_KEY_VARIABLE} or set CONTROLLER_STORE=etcd://…`,
    );
  }
  return undefined;
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  return fromBase64(text.replaceAll("-", "+").replaceAll("_", "/"));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const padded = text + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * How the CA manager writes CA private keys into its store and reads them back: in clear into
 * the controller's own Deno KV file, sealed into a shared store.
 */
export interface CaKeyCodec {
  /** The text to store for the key `pem` of the CA `fingerprint`. */
  encode(pem: string, fingerprint: string): Promise<string>;
  /** The PEM key of the CA `fingerprint` from its stored text; throws when it does not open. */
  decode(stored: string, fingerprint: string): Promise<string>;
}

/** Keys in clear (Deno KV: a file only the controller can read). */
export const PLAIN_CA_KEYS: CaKeyCodec = {
  encode: (pem) => Promise.resolve(pem),
  decode: (stored) => {
    if (isSealed(stored)) {
      return Promise.reject(
        new SealedKeyError(
          `the stored CA key is sealed, but ${SEALING_KEY_VARIABLE} is not set: give this controller the sealing key`,
        ),
      );
    }
    return Promise.resolve(stored);
  },
};

/**
 * Keys sealed under `key` (etcd). A key stored in clear is refused, not used: in a shared store
 * the seal is also what proves that a controller wrote the CA, since only controllers hold the
 * sealing key, so whoever can write to etcd alone cannot slip in a CA of their own.
 */
export function sealedCaKeys(key: SealingKey): CaKeyCodec {
  return {
    encode: (pem, fingerprint) => key.seal(pem, fingerprint),
    decode: (stored, fingerprint) => key.open(stored, fingerprint),
  };
}
