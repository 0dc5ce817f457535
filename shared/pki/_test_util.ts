/**
 * Internal test helpers: run openssl, temporary directories.
 * @module
 */

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
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
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
