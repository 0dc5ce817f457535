/**
 * PEM encoding: split, encode and decode blocks.
 * @module
 */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

function decodeBase64(body: string, label: string): Uint8Array<ArrayBuffer> {
  const b64 = body.replace(/\s+/g, "");
  if (b64.length === 0) throw new TypeError(`invalid PEM block "${label}": the block is empty`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new TypeError(`invalid PEM block "${label}": the body is not valid base64`);
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function encodeBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

interface Block {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    const [, begin = "", body = "", end = ""] = m;
    if (text.slice(last, m.index).includes("-----BEGIN ")) {
      throw new TypeError("invalid PEM: a BEGIN line has no matching END line");
    }
    if (begin !== end) {
      throw new TypeError(`invalid PEM: "BEGIN ${begin}" is closed by "END ${end}"`);
    }
    // Encapsulated headers (RFC 1421, e.g. "Proc-Type:") mean encrypted legacy keys.
    if (body.includes(":")) {
      throw new TypeError(`invalid PEM block "${begin}": encrypted or header-carrying PEM is not supported`);
    }
    out.push({ label: begin, der: decodeBase64(body, begin) });
    last = m.index + m[0].length;
  }
  if (text.slice(last).includes("-----BEGIN ")) {
    throw new TypeError("invalid PEM: a BEGIN line has no matching END line");
  }
  return out;
}

/**
 * Encodes DER bytes as one PEM block with 64-character lines, ending in "\n".
 */
export function derToPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  const b64 = encodeBase64(bytes);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * Splits text into its PEM blocks, each re-encoded in normal form and ending in "\n".
 * Text between blocks is ignored.
 *
 * @param label keep only blocks with this label, e.g. `"CERTIFICATE"`
 * @throws {TypeError} when a block is broken (bad base64, unmatched BEGIN/END)
 */
export function splitPem(text: string, label?: string): string[] {
  return blocks(text)
    .filter((b) => label === undefined || b.label === label)
    .map((b) => derToPem(b.der, b.label));
}

/**
 * The DER of every PEM block of `text` labelled `label`, in order (no re-encoding).
 *
 * @throws {TypeError} when a block is broken, like {@link splitPem}
 */
export function pemBlocksDer(text: string, label: string): Uint8Array<ArrayBuffer>[] {
  return blocks(text).filter((b) => b.label === label).map((b) => b.der);
}

/**
 * Decodes the first PEM block of `pem` to DER.
 *
 * @throws {TypeError} `invalid PEM: ...` when there is no block or it is broken
 */
export function pemToDer(pem: string): Uint8Array {
  const first = blocks(pem)[0];
  if (first === undefined) throw new TypeError("invalid PEM: no PEM block found");
  return first.der;
}

/**
 * Decodes the first PEM block of `pem` and returns its label with the DER bytes.
 *
 * @throws {TypeError} like {@link pemToDer}
 */
export function decodePem(pem: string): { label: string; der: Uint8Array } {
  const first = blocks(pem)[0];
  if (first === undefined) throw new TypeError("invalid PEM: no PEM block found");
  return first;
}
