/**
 * An agent's or the controller's own X.509 SVID: certificate and private key.
 * @module
 */
import { bytesEqual, messageOf, x509 } from "./_crypto.ts";
import { spiffeIdOf } from "./san.ts";
import { exportSpki, importPrivateKeyPem } from "./keys.ts";
import type { SpiffeId } from "./spiffe_id.ts";
import { parseCertificate } from "./verify.ts";

/** Own credentials. */
export interface Svid {
  /** SPIFFE ID of the certificate. */
  spiffeId: SpiffeId;
  /** Certificate PEM as given (leaf first, possibly with intermediates). */
  certPem: string;
  /** PKCS#8 private key PEM as given. */
  keyPem: string;
  /** The parsed leaf certificate. */
  certificate: x509.X509Certificate;
  /** End of validity. */
  notAfter: Date;
  /** Start of validity. */
  notBefore: Date;
}

/**
 * Builds an {@link Svid} from PEM, checking the key matches the certificate and the
 * certificate carries a SPIFFE ID.
 *
 * @throws {TypeError} `certificate and private key do not match`, `invalid certificate: ...`,
 *   `invalid private key: ...` or `certificate has no valid SPIFFE ID: ...`
 */
export async function svidFromPem(certPem: string, keyPem: string): Promise<Svid> {
  const certificate = parseCertificate(certPem);
  const keys = await importPrivateKeyPem(keyPem);
  if (!bytesEqual(await exportSpki(keys.publicKey), certificate.publicKey.rawData)) {
    throw new TypeError("certificate and private key do not match");
  }
  let spiffeId: SpiffeId;
  try {
    spiffeId = spiffeIdOf(certificate);
  } catch (e) {
    throw new TypeError(`certificate has no valid SPIFFE ID: ${messageOf(e)}`);
  }
  return {
    spiffeId,
    certPem,
    keyPem,
    certificate,
    notAfter: certificate.notAfter,
    notBefore: certificate.notBefore,
  };
}
