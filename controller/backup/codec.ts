/**
 * KV keys and values as JSON, losslessly: the backup file's encoding. Values are the registry's
 * plain records (JSON as they are), KV counters (`Deno.KvU64`), bigints and byte arrays; anything
 * else is refused by name rather than written in a form that would not restore the same.
 * @module
 */
import { Buffer } from "node:buffer";

/** Base64 of bytes. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** Bytes of base64 text. */
export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** One key part: its type tag and its text. */
export type EncodedKeyPart = ["s" | "n" | "i" | "b" | "u", string];

/** A value: plain JSON (`json`), a KV counter (`u64`), a bigint or bytes (text or base64). */
export type EncodedValue =
  | { type: "json"; value: unknown }
  | { type: "u64" | "bigint"; value: string }
  | { type: "bytes"; value: string };

/** Encodes a KV key. */
export function encodeKey(key: Deno.KvKey): EncodedKeyPart[] {
  return key.map((part): EncodedKeyPart => {
    if (typeof part === "string") return ["s", part];
    if (typeof part === "number") return ["n", String(part)];
    if (typeof part === "bigint") return ["i", part.toString()];
    if (typeof part === "boolean") return ["b", String(part)];
    if (part instanceof Uint8Array) return ["u", encodeBase64(part)];
    throw new Error(`key part ${String(part)} cannot be backed up`);
  });
}

/** Decodes a key of {@link encodeKey}; throws naming the part that is not one. */
export function decodeKey(parts: unknown): Deno.KvKey {
  if (!Array.isArray(parts)) throw new Error(`key ${JSON.stringify(parts)} is not an array`);
  return parts.map((p): Deno.KvKeyPart => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[1] !== "string") {
      throw new Error(`key part ${JSON.stringify(p)} is not [type, text]`);
    }
    const [t, v] = p as [unknown, string];
    switch (t) {
      case "s":
        return v;
      case "n":
        return Number(v);
      case "i":
        return BigInt(v);
      case "b":
        return v === "true";
      case "u":
        return decodeBase64(v);
      default:
        throw new Error(`key part type ${JSON.stringify(t)} is unknown`);
    }
  });
}

/** Encodes a KV value; throws for values JSON cannot carry exactly (the message names the reason). */
export function encodeValue(value: unknown): EncodedValue {
  if (value instanceof Deno.KvU64) return { type: "u64", value: value.value.toString() };
  if (typeof value === "bigint") return { type: "bigint", value: value.toString() };
  if (value instanceof Uint8Array) return { type: "bytes", value: encodeBase64(value) };
  const why = notPlainJson(value, "value");
  if (why) throw new Error(why);
  return { type: "json", value };
}

/** Decodes a value of {@link encodeValue}. */
export function decodeValue(v: unknown): unknown {
  const e = v as EncodedValue;
  switch (e?.type) {
    case "json":
      return e.value;
    case "u64":
      return new Deno.KvU64(BigInt(e.value));
    case "bigint":
      return BigInt(e.value);
    case "bytes":
      return decodeBase64(e.value);
    default:
      throw new Error(`value type ${JSON.stringify((v as { type?: unknown })?.type)} is unknown`);
  }
}

/** Why `v` does not survive JSON unchanged (undefined: it does). Undefined object fields are dropped, as KV readers expect. */
function notPlainJson(v: unknown, at: string): string | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? undefined : `${at} is ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) return `${at}[${i}] is undefined`;
      const why = notPlainJson(v[i], `${at}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      const why = notPlainJson(x, `${at}.${k}`);
      if (why) return why;
    }
    return undefined;
  }
  const kind = typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;
  return `${at} is a ${kind}, which the backup format does not carry`;
}
