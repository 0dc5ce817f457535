/**
 * PKCS#10 certificate signing requests.
 * @module
 */
import { EC_PARAMS, messageOf, SIGNING_ALG, x509 } from "./_crypto.ts";
import { splitPem } from "./pem.ts";

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

/**
 * Parses a PEM (or DER) PKCS#10 request, verifies its self-signature and returns its
 * ECDSA P-256 public key. Everything else in the request is ignored.
 *
 * @throws {TypeError} `invalid certificate request: <why>`
 */
export async function readCsr(pem: string | Uint8Array): Promise<{ publicKey: CryptoKey }> {
  const fail = (why: string): never => {
    throw new TypeError(`invalid certificate request: ${why}`);
  };
  let csr: x509.Pkcs10CertificateRequest;
  try {
    if (typeof pem === "string") {
      const block = splitPem(pem, "CERTIFICATE REQUEST")[0] ?? splitPem(pem, "NEW CERTIFICATE REQUEST")[0];
      if (block === undefined) return fail("no CERTIFICATE REQUEST PEM block found");
      csr = new x509.Pkcs10CertificateRequest(block);
    } else {
      csr = new x509.Pkcs10CertificateRequest(pem as Uint8Array<ArrayBuffer>);
    }
  } catch (e) {
    if (e instanceof TypeError && e.message.startsWith("invalid certificate request")) throw e;
    return fail(messageOf(e));
  }
  let publicKey: CryptoKey;
  try {
    publicKey = await csr.publicKey.export(EC_PARAMS, ["verify"]);
  } catch (e) {
    return fail(`public key is not ECDSA P-256 (${messageOf(e)})`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch (e) {
    return fail(`signature cannot be checked (${messageOf(e)})`);
  }
  if (!ok) return fail("signature does not verify");
  return { publicKey };
}
