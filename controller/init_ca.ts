/**
 * `postern-controller init-ca --out DIR`: create the internal CA on disk.
 * @module
 */
import { join } from "node:path";
import { createCa, writeCaFiles } from "../shared/pki/mod.ts";

/**
 * Creates a new internal CA and writes `DIR/ca.crt` and `DIR/ca.key` (PKCS#8, mode 0600),
 * creating DIR (0700) when missing.
 *
 * @throws {Error} `refusing to overwrite "<path>": move it away or choose another --out`
 */
export async function initCa(outDir: string): Promise<{ certPath: string; keyPath: string }> {
  const { certPem, keyPem } = await createCa();
  await writeCaFiles(outDir, { certPem, keyPem });
  return { certPath: join(outDir, "ca.crt"), keyPath: join(outDir, "ca.key") };
}
