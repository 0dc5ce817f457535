/**
 * The controller's internal certificate authority: create, load, write to disk.
 * @module
 */
import type { FailureModeOptions } from "../failure_modes/format.ts";
import { EC_PARAMS, messageOf, randomSerial, sha256Hex, SIGNING_ALG, x509 } from "./_crypto.ts";
import { exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem } from "./keys.ts";
import { splitPem } from "./pem.ts";
import { bytesEqual } from "./_crypto.ts";
import { join } from "node:path";

/** A loaded CA: certificate and signing key. */
export interface CertificateAuthority {
  /** The parsed CA certificate. */
  certificate: x509.X509Certificate;
  /** The CA certificate as PEM. */
  certPem: string;
  /** The CA signing key. */
  privateKey: CryptoKey;
  /** The CA public key. */
  publicKey: CryptoKey;
  /** SHA-256 (lower-case hex) of the CA certificate DER. */
  fingerprint: string;
  /** End of the CA certificate's validity; issued certificates never outlive it. */
  notAfter: Date;
}

/** A CA that cannot be created, loaded or used; callers exit with status 2. */
export class CaError extends Error {
  /**
   * Why the CA is refused: `"missing_key_usage"` (no keyCertSign, failure mode 1.5) or
   * `"invalid"` (anything else, failure mode 1.3).
   */
  readonly reason: CaErrorReason;
  /** The failure-mode id of `reason`: `"1.5"` or `"1.3"`. */
  readonly failureMode: "1.3" | "1.5";
  /**
   * @param message what is wrong with the CA
   * @param reason why, for code (default: from `options.failureMode`, else `"invalid"`)
   */
  constructor(message: string, options?: FailureModeOptions, reason?: CaErrorReason) {
    super(message, options);
    this.name = "CaError";
    this.reason = reason ?? (options?.failureMode === "1.5" ? "missing_key_usage" : "invalid");
    this.failureMode = this.reason === "missing_key_usage" ? "1.5" : "1.3";
  }
}

/** Why a CA is refused (see {@link CaError}). */
export type CaErrorReason = "invalid" | "missing_key_usage";

/** Options of {@link createCa}. */
export interface CreateCaOptions {
  /** Subject and issuer common name. Default `"Postern Internal CA"`. */
  commonName?: string;
  /** Validity in days. Default 3650. */
  lifetimeDays?: number;
  /** Clock. Default: now. */
  now?: Date;
}

/**
 * Creates a self-signed ECDSA P-256 CA: basicConstraints CA:TRUE pathLen 0 (critical),
 * keyUsage keyCertSign and cRLSign (critical), subject key identifier, random 128-bit serial.
 */
export async function createCa(
  opts: CreateCaOptions = {},
): Promise<{ certPem: string; keyPem: string; ca: CertificateAuthority }> {
  const now = opts.now ?? new Date();
  const days = opts.lifetimeDays ?? 3650;
  if (!(days > 0) || !Number.isFinite(days)) {
    throw new RangeError(`invalid CA lifetime "${days}": use a positive number of days`);
  }
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName ?? "Postern Internal CA"] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    keys,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  return { certPem, keyPem, ca: await loadCa(certPem, keyPem, now) };
}

/**
 * Loads and checks a CA certificate and its PKCS#8 (or SEC1) private key, both PEM.
 *
 * @param now clock for the expiry check (default: now)
 * @throws {CaError} `invalid internal CA: <why>` (failure mode 1.3), or
 *   `CA certificate missing key usage: ...` (failure mode 1.5)
 */
export async function loadCa(
  certPem: string,
  keyPem: string,
  now: Date = new Date(),
): Promise<CertificateAuthority> {
  const invalid = (why: string, cause?: unknown): never => {
    throw new CaError(`invalid internal CA: ${why}`, cause === undefined ? undefined : { cause });
  };
  let certificate: x509.X509Certificate;
  let pem: string;
  try {
    const block = splitPem(certPem, "CERTIFICATE")[0];
    if (block === undefined) return invalid("no CERTIFICATE PEM block in the CA certificate");
    pem = block;
    certificate = new x509.X509Certificate(block);
  } catch (e) {
    if (e instanceof CaError) throw e;
    return invalid(`cannot parse the CA certificate: ${messageOf(e)}`, e);
  }
  const bc = certificate.getExtension(x509.BasicConstraintsExtension);
  if (bc === null || !bc.ca) return invalid("certificate is not a CA (basicConstraints CA:TRUE is required)");
  const ku = certificate.getExtension(x509.KeyUsagesExtension);
  if (ku === null || (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new CaError(
      "CA certificate missing key usage: keyCertSign is required to sign certificates (regenerate it with postern-controller init-ca)",
      { failureMode: "1.5" },
      "missing_key_usage",
    );
  }
  if (now.getTime() > certificate.notAfter.getTime()) {
    return invalid(`certificate expired at ${certificate.notAfter.toISOString()}`);
  }
  let publicKey: CryptoKey;
  try {
    publicKey = await certificate.publicKey.export(EC_PARAMS, ["verify"]);
  } catch (e) {
    return invalid(`the CA public key is not ECDSA P-256 (${messageOf(e)})`, e);
  }
  let keys: CryptoKeyPair;
  try {
    keys = await importPrivateKeyPem(keyPem);
  } catch (e) {
    return invalid(`cannot read the CA private key: ${messageOf(e)}`, e);
  }
  if (!bytesEqual(await exportSpki(keys.publicKey), certificate.publicKey.rawData)) {
    return invalid("the private key does not match the CA certificate");
  }
  return {
    certificate,
    certPem: pem,
    privateKey: keys.privateKey,
    publicKey,
    fingerprint: sha256Hex(certificate.rawData),
    notAfter: certificate.notAfter,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function refuse(path: string): Error {
  return new Error(`refusing to overwrite "${path}": move it away or choose another --out`);
}

/**
 * Writes `DIR/ca.crt` (0644) and `DIR/ca.key` (0600), creating DIR (0700) when missing.
 * Never overwrites: when either file exists nothing is written.
 *
 * @throws {Error} `refusing to overwrite "<path>": move it away or choose another --out`
 */
export async function writeCaFiles(dir: string, pair: { certPem: string; keyPem: string }): Promise<void> {
  const certPath = join(dir, "ca.crt");
  const keyPath = join(dir, "ca.key");
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const p of [certPath, keyPath]) if (await exists(p)) throw refuse(p);
  const enc = new TextEncoder();
  const write = async (path: string, text: string, mode: number) => {
    try {
      await Deno.writeFile(path, enc.encode(text), { createNew: true, mode });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) throw refuse(path);
      throw e;
    }
    await Deno.chmod(path, mode);
  };
  await write(keyPath, pair.keyPem, 0o600);
  try {
    await write(certPath, pair.certPem, 0o644);
  } catch (e) {
    await Deno.remove(keyPath).catch(() => {});
    throw e;
  }
}
