/**
 * Internal: a small, strict DER reader and writer for the two structures on the hot path of
 * enrollment (the PKCS#10 request in, the leaf certificate out). The reader accepts DER only:
 * single-byte tags, definite minimal lengths, every element inside its parent, nothing after
 * the outermost one. It throws {@link DerError} on anything else, never reads out of bounds.
 * @module
 */

/** Malformed DER; the message says what and where. */
export class DerError extends Error {
  /** @param message what is wrong, with the byte offset */
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** One element: its tag, where it starts, where its value starts and where it ends. */
export interface Tlv {
  /** The identifier octet. */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first value octet. */
  valueStart: number;
  /** Offset just past the last value octet. */
  end: number;
}

/** DER tags used here. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the element at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at byte ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at byte ${offset}`);
  let len = buf[offset + 1]!;
  let valueStart = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at byte ${offset}`);
    if (n > 3) throw new DerError(`length of ${n} octets at byte ${offset}`);
    if (valueStart + n > limit) throw new DerError(`truncated length at byte ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[valueStart + i]!;
    if (buf[valueStart] === 0 || len < 0x80) throw new DerError(`non-minimal length at byte ${offset}`);
    valueStart += n;
  }
  const end = valueStart + len;
  if (end > limit) throw new DerError(`element at byte ${offset} runs past its container`);
  return { tag, start: offset, valueStart, end };
}

/** Reads the element at `offset` and checks its tag. */
export function expectTlv(buf: Uint8Array, offset: number, limit: number, tag: number, what: string): Tlv {
  const t = readTlv(buf, offset, limit);
  if (t.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(t.tag)} at byte ${offset}`);
  }
  return t;
}

/** The elements inside a constructed element, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let at = parent.valueStart;
  while (at < parent.end) {
    const t = readTlv(buf, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The whole of `buf` as one element, with nothing after it. */
export function readOnly(buf: Uint8Array, tag: number, what: string): Tlv {
  const t = expectTlv(buf, 0, buf.length, tag, what);
  if (t.end !== buf.length) throw new DerError(`${what}: ${buf.length - t.end} bytes after the end`);
  return t;
}

/** True when the element's whole encoding equals `expected`. */
export function tlvEquals(buf: Uint8Array, t: Tlv, expected: Uint8Array): boolean {
  if (t.end - t.start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[t.start + i] !== expected[i]) return false;
  return true;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** ECDSA-Sig-Value DER (SEQUENCE of two positive INTEGERs) to the 64-byte r‖s WebCrypto verifies. */
export function ecdsaSignatureRaw(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const seq = readOnly(der, TAG.SEQUENCE, "ECDSA signature");
  const ints = children(der, seq);
  if (ints.length !== 2) throw new DerError("ECDSA signature: expected r and s");
  const out = new Uint8Array(64);
  ints.forEach((t, k) => {
    if (t.tag !== TAG.INTEGER) throw new DerError("ECDSA signature: r or s is not an INTEGER");
    let v = der.subarray(t.valueStart, t.end);
    if (v.length === 0 || v[0]! & 0x80) throw new DerError("ECDSA signature: r or s is not positive");
    if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) {
      throw new DerError("ECDSA signature: r or s is not minimally encoded");
    }
    if (v[0] === 0) v = v.subarray(1);
    if (v.length > 32) throw new DerError("ECDSA signature: r or s is longer than 32 bytes");
    out.set(v, 32 * k + 32 - v.length);
  });
  return out;
}

/** The 64-byte r‖s WebCrypto signs into ECDSA-Sig-Value DER, as X.509 carries it. */
export function ecdsaSignatureDer(raw: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, unsignedInteger(raw.subarray(0, 32)), unsignedInteger(raw.subarray(32, 64)));
}

// ---- writer ----

/** The DER encoding of one element with `tag` around `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let len = 0;
  for (const p of parts) len += p.length;
  const head = len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
  const out = new Uint8Array(head + len);
  out[0] = tag;
  if (head === 2) out[1] = len;
  else {
    out[1] = 0x80 | (head - 2);
    for (let i = head - 1, v = len; i >= 2; i--, v >>>= 8) out[i] = v & 0xff;
  }
  let at = head;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Concatenation. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes from lower- or upper-case hex (no separators). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, a zero added for the sign). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return m[0]! & 0x80 ? tlv(TAG.INTEGER, new Uint8Array([0]), m) : tlv(TAG.INTEGER, m);
}

const ASCII = new TextEncoder();

/** A UTCTime (years 1950–2049) or GeneralizedTime (other years), whole seconds, as RFC 5280 4.1.2.5 asks. */
export function x509Time(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const p = (n: number) => String(n).padStart(2, "0");
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${
    p(d.getUTCSeconds())
  }Z`;
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, ASCII.encode(`${p(y % 100)}${rest}`));
  return tlv(TAG.GENERALIZED_TIME, ASCII.encode(`${String(y).padStart(4, "0")}${rest}`));
}
