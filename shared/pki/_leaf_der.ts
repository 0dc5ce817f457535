/**
 * Internal: the leaf certificate (X.509 SVID) as DER, built from a per-CA template and signed
 * with WebCrypto. The parts that never change for one CA (issuer name, authority key
 * identifier, algorithm identifiers, basicConstraints, keyUsage, the EKU of each role) are
 * encoded once; per certificate only serial, validity, subject, public key, SANs and SKI are
 * filled in. `issue_test.ts` compares the output field by field with @peculiar/x509's.
 * @module
 */
import { createHash } from "node:crypto";
import { x509 } from "./_crypto.ts";
import { ecdsaSign } from "./ecdsa_offload.ts";
import {
  children,
  concat,
  ecdsaSignatureDer,
  fromHex,
  readOnly,
  TAG,
  tlv,
  unsignedInteger,
  x509Time,
} from "./_der.ts";
import type { CertificateAuthority } from "./ca.ts";
import { parseIp } from "../net/ip.ts";

/** What varies per certificate; every value already validated by `issueSvid`. */
export interface LeafFields {
  /** Serial, hex, positive (high bit clear). */
  serial: string;
  /** Start of validity, whole seconds. */
  notBefore: Date;
  /** End of validity, whole seconds. */
  notAfter: Date;
  /** Subject common name. */
  subjectCn: string;
  /** SubjectPublicKeyInfo DER of a verified request (named P-256 curve, uncompressed point). */
  spki: Uint8Array;
  /** Extended key usage OIDs. */
  ekus: readonly string[];
  /** The SPIFFE ID, the only URI SAN. */
  uri: string;
  /** Canonical IP SANs. */
  ips: readonly string[];
  /** Lower-case DNS SANs. */
  dns: readonly string[];
}

interface Template {
  /** [0] EXPLICIT version v3. */
  version: Uint8Array;
  /** ecdsa-with-SHA256, parameters absent. */
  sigAlg: Uint8Array;
  /** The CA certificate's subject, byte for byte. */
  issuer: Uint8Array;
  /** basicConstraints CA:FALSE critical, then keyUsage digitalSignature critical. */
  fixedExtensions: Uint8Array;
  /** authorityKeyIdentifier (the CA's SKI, else computed from its key). */
  aki: Uint8Array;
}

const templates = new WeakMap<CertificateAuthority, Promise<Template>>();
const ekuExtensions = new Map<string, Uint8Array>();
const ASCII = new TextEncoder();

const SIG_ALG = fromHex("300a06082a8648ce3d040302");
const OID_SAN = fromHex("0603551d11");
const OID_SKI = fromHex("0603551d0e");
const OID_EKU = fromHex("0603551d25");
const OID_CN = fromHex("0603550403");
/** basicConstraints (critical) SEQUENCE {} and keyUsage (critical) digitalSignature. */
const FIXED_EXTENSIONS = fromHex("300c0603551d130101ff04023000" + "300e0603551d0f0101ff040403020780");

/**
 * The DER of one leaf certificate signed by `ca`.
 */
export async function signLeaf(ca: CertificateAuthority, f: LeafFields): Promise<Uint8Array> {
  let t = templates.get(ca);
  if (t === undefined) {
    t = makeTemplate(ca);
    templates.set(ca, t);
  }
  const tpl = await t;
  const point = f.spki.subarray(f.spki.length - 65);
  const ski = new Uint8Array(createHash("sha1").update(point).digest());
  const tbs = tlv(
    TAG.SEQUENCE,
    tpl.version,
    unsignedInteger(fromHex(f.serial)),
    tpl.sigAlg,
    tpl.issuer,
    tlv(TAG.SEQUENCE, x509Time(f.notBefore), x509Time(f.notAfter)),
    nameWithCn(f.subjectCn),
    f.spki,
    tlv(
      0xa3,
      tlv(
        TAG.SEQUENCE,
        tpl.fixedExtensions,
        ekuExtension(f.ekus),
        extension(OID_SAN, sanValue(f)),
        extension(OID_SKI, tlv(TAG.OCTET_STRING, ski)),
        tpl.aki,
      ),
    ),
  );
  const raw = await ecdsaSign(ca.privateKey, tbs);
  return tlv(TAG.SEQUENCE, tbs, tpl.sigAlg, tlv(TAG.BIT_STRING, new Uint8Array([0]), ecdsaSignatureDer(raw)));
}

async function makeTemplate(ca: CertificateAuthority): Promise<Template> {
  const der = new Uint8Array(ca.certificate.rawData);
  const cert = readOnly(der, TAG.SEQUENCE, "CA certificate");
  const tbs = children(der, cert)[0];
  if (tbs === undefined) throw new TypeError("invalid internal CA: the certificate has no TBSCertificate");
  const fields = children(der, tbs);
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[at + 4];
  if (subject === undefined || subject.tag !== TAG.SEQUENCE) {
    throw new TypeError("invalid internal CA: the certificate has no subject");
  }
  const caSki = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = caSki !== null
    ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey);
  return {
    version: fromHex("a003020102"),
    sigAlg: SIG_ALG,
    issuer: der.slice(subject.start, subject.end),
    fixedExtensions: FIXED_EXTENSIONS,
    aki: new Uint8Array(aki.rawData),
  };
}

function extension(oid: Uint8Array, value: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, oid, tlv(TAG.OCTET_STRING, value));
}

function ekuExtension(ekus: readonly string[]): Uint8Array {
  const key = ekus.join(",");
  let e = ekuExtensions.get(key);
  if (e === undefined) {
    e = extension(OID_EKU, tlv(TAG.SEQUENCE, ...ekus.map(oid)));
    ekuExtensions.set(key, e);
  }
  return e;
}

function sanValue(f: LeafFields): Uint8Array {
  const names = [tlv(0x86, ASCII.encode(f.uri))];
  for (const ip of f.ips) {
    const b = parseIp(ip);
    if (b === undefined) throw new TypeError(`invalid IP SAN "${ip}": not an IPv4 or IPv6 address`);
    names.push(tlv(0x87, b));
  }
  for (const d of f.dns) names.push(tlv(0x82, ASCII.encode(d)));
  return tlv(TAG.SEQUENCE, ...names);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Name: one RDN with one CN, a PrintableString where the text allows it, else UTF8String. */
function nameWithCn(cn: string): Uint8Array {
  const value = PRINTABLE.test(cn)
    ? tlv(TAG.PRINTABLE_STRING, ASCII.encode(cn))
    : tlv(TAG.UTF8_STRING, ASCII.encode(cn));
  return tlv(TAG.SEQUENCE, tlv(TAG.SET, tlv(TAG.SEQUENCE, OID_CN, value)));
}

/** An OBJECT IDENTIFIER from dotted text. */
function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const bytes: number[] = [];
  const base128 = (n: number) => {
    const out = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift(0x80 | (n & 0x7f));
    bytes.push(...out);
  };
  base128(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) base128(a);
  return concat(new Uint8Array([TAG.OID]), new Uint8Array([bytes.length]), new Uint8Array(bytes));
}
