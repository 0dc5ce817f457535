/**
 * Internal test helpers: run openssl, temporary directories, a forged CSR.
 * @module
 */
import { generateKeyPair } from "./keys.ts";
import { SIGNING_ALG, x509 } from "./_crypto.ts";

/** openssl `req` arguments that make a new unencrypted P-256 key. */
export const OPENSSL_NEW_P256_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** Runs openssl with `args`; returns exit code and combined output. */
export async function openssl(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("openssl", {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(cwd === undefined ? {} : { cwd }),
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Makes an openssl CA in `dir` (ca.crt, ca.key) with the given extra `-addext` values. */
export async function opensslCa(dir: string, addext: string[]): Promise<{ certPem: string; keyPem: string }> {
  const r = await openssl([
    "req",
    "-x509",
    ...OPENSSL_NEW_P256_KEY,
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.crt`,
    "-days",
    "30",
    "-subj",
    "/CN=OpenSSL Test CA",
    ...addext.flatMap((e) => ["-addext", e]),
  ]); // deno-fmt-ignore
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.out}`);
  return {
    certPem: await Deno.readTextFile(`${dir}/ca.crt`),
    keyPem: await Deno.readTextFile(`${dir}/ca.key`),
  };
}

/** PEM of a CSR that carries one key's public half but is signed by another key: its signature does not verify. */
export async function forgedCsrPem(): Promise<string> {
  const a = await generateKeyPair();
  const b = await generateKeyPair();
  const forged = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { publicKey: a.publicKey, privateKey: b.privateKey },
    signingAlgorithm: SIGNING_ALG,
  });
  return forged.toString("pem");
}
