/**
 * PKCS#10 certificate signing requests.
 * @module
 */
import { EC_PARAMS, messageOf, SIGNING_ALG, x509 } from "./_crypto.ts";
import {
  children,
  DerError,
  ecdsaSignatureRaw,
  fromHex,
  readOnly,
  TAG,
  type Tlv,
  tlvEquals,
} from "./_der.ts";
import { pemBlocksDer } from "./pem.ts";
import { ecdsaVerify } from "./ecdsa_offload.ts";

/**
 * Creates a PEM PKCS#10 request for `keys`, signed with the private key. The CA takes only
 * the public key from it, so the subject is informational.
 *
 * @param subjectCn optional subject common name
 */
export async function createCsr(keys: CryptoKeyPair, subjectCn?: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(subjectCn === undefined ? {} : { name: [{ CN: [subjectCn] }] }),
    keys,
    signingAlgorithm: SIGNING_ALG,
  });
  return csr.toString("pem") + "\n";
}

/** A request whose self-signature verified: its public key, as a key and as SubjectPublicKeyInfo DER. */
export interface VerifiedCsr {
  /** The requester's ECDSA P-256 public key. */
  publicKey: CryptoKey;
  /** The same key as SubjectPublicKeyInfo DER, named curve, uncompressed point. */
  spki: Uint8Array;
}

/** SEQUENCE { id-ecPublicKey, prime256v1 }. */
const EC_P256_ALG = fromHex("301306072a8648ce3d020106082a8648ce3d030107");
/** The ECDSA signature algorithms a request may use (parameters absent, RFC 5758), by their DER. */
const ECDSA_ALGS: ReadonlyArray<[Uint8Array, string]> = [
  [fromHex("300a06082a8648ce3d040302"), "SHA-256"],
  [fromHex("300a06082a8648ce3d040303"), "SHA-384"],
  [fromHex("300a06082a8648ce3d040304"), "SHA-512"],
];

/**
 * Parses a PEM (or DER) PKCS#10 request, verifies its self-signature and returns its
 * ECDSA P-256 public key. Everything else in the request is ignored. The DER is read by a
 * strict reader (`_der.ts`); anything that is not DER, not version 0, not a P-256 key or not
 * signed with ECDSA is refused.
 *
 * @throws {TypeError} `invalid certificate request: <why>`
 */
export async function readCsr(pem: string | Uint8Array): Promise<VerifiedCsr> {
  const fail = (why: string): never => {
    throw new TypeError(`invalid certificate request: ${why}`);
  };
  let der: Uint8Array<ArrayBuffer>;
  if (typeof pem === "string") {
    let found: Uint8Array<ArrayBuffer> | undefined;
    try {
      found = pemBlocksDer(pem, "CERTIFICATE REQUEST")[0] ?? pemBlocksDer(pem, "NEW CERTIFICATE REQUEST")[0];
    } catch (e) {
      return fail(messageOf(e));
    }
    if (found === undefined) return fail("no CERTIFICATE REQUEST PEM block found");
    der = found;
  } else {
    der = new Uint8Array(pem);
  }
  let parts: ReturnType<typeof parseCsr>;
  try {
    parts = parseCsr(der);
  } catch (e) {
    if (e instanceof DerError) return fail(e.message);
    throw e;
  }
  let publicKey: CryptoKey;
  try {
    publicKey = await crypto.subtle.importKey("spki", parts.spki, EC_PARAMS, true, ["verify"]);
  } catch (e) {
    return fail(`public key is not ECDSA P-256 (${messageOf(e)})`);
  }
  // A compressed point imports too; the certificate carries the uncompressed form.
  const spki = parts.canonical
    ? parts.spki
    : new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  let ok = false;
  try {
    ok = await ecdsaVerify(publicKey, parts.spki, parts.hash, parts.signature, parts.info);
  } catch (e) {
    return fail(`signature cannot be checked (${messageOf(e)})`);
  }
  if (!ok) return fail("signature does not verify");
  return { publicKey, spki };
}

/** The signed bytes, the key, the hash and the signature (r‖s) of a request; throws {@link DerError}. */
function parseCsr(der: Uint8Array<ArrayBuffer>): {
  info: Uint8Array<ArrayBuffer>;
  spki: Uint8Array<ArrayBuffer>;
  canonical: boolean;
  hash: string;
  signature: Uint8Array<ArrayBuffer>;
} {
  const top = readOnly(der, TAG.SEQUENCE, "CertificationRequest");
  const [info, alg, sig, ...extra] = children(der, top);
  if (info === undefined || alg === undefined || sig === undefined || extra.length > 0) {
    throw new DerError("CertificationRequest: expected 3 elements");
  }
  if (info.tag !== TAG.SEQUENCE) throw new DerError("certificationRequestInfo is not a SEQUENCE");
  const [version, subject, spki, attributes, ...more] = children(der, info);
  if (version === undefined || subject === undefined || spki === undefined || more.length > 0) {
    throw new DerError("certificationRequestInfo: expected version, subject, key and attributes");
  }
  if (!tlvEquals(der, version, VERSION_0)) throw new DerError("version is not 0 (v1)");
  if (subject.tag !== TAG.SEQUENCE) throw new DerError("subject is not a Name");
  children(der, subject); // well-formed, otherwise ignored
  if (attributes !== undefined) {
    if (attributes.tag !== 0xa0) throw new DerError("attributes are not [0]");
    children(der, attributes);
  }
  const key = readSpki(der, spki);
  const hash = ECDSA_ALGS.find(([d]) => tlvEquals(der, alg, d))?.[1];
  if (hash === undefined) {
    throw new DerError("signature algorithm is not ECDSA with SHA-256, SHA-384 or SHA-512");
  }
  if (sig.tag !== TAG.BIT_STRING) throw new DerError("signature is not a BIT STRING");
  if (sig.end - sig.valueStart < 1 || der[sig.valueStart] !== 0) {
    throw new DerError("signature BIT STRING has unused bits");
  }
  return {
    info: der.subarray(info.start, info.end),
    spki: der.subarray(spki.start, spki.end),
    canonical: key.canonical,
    hash,
    signature: ecdsaSignatureRaw(der.subarray(sig.valueStart + 1, sig.end)),
  };
}

const VERSION_0 = fromHex("020100");

function readSpki(der: Uint8Array, spki: Tlv): { canonical: boolean } {
  if (spki.tag !== TAG.SEQUENCE) throw new DerError("subjectPKInfo is not a SEQUENCE");
  const [alg, bits, ...more] = children(der, spki);
  if (alg === undefined || bits === undefined || more.length > 0) {
    throw new DerError("subjectPKInfo: expected algorithm and key");
  }
  if (!tlvEquals(der, alg, EC_P256_ALG)) throw new DerError("public key is not ECDSA P-256 (named curve)");
  if (bits.tag !== TAG.BIT_STRING) throw new DerError("public key is not a BIT STRING");
  const n = bits.end - bits.valueStart;
  if (n < 2 || der[bits.valueStart] !== 0) throw new DerError("public key BIT STRING has unused bits");
  const form = der[bits.valueStart + 1];
  if (form === 0x04 && n === 66) return { canonical: true };
  if ((form === 0x02 || form === 0x03) && n === 34) return { canonical: false };
  throw new DerError("public key is not a P-256 point");
}
