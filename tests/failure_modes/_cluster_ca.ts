/**
 * Certificates signed by a test cluster's own CA (read from its files), for scenarios that force
 * a failure the controller never issues on its own: a connector SVID without IP SANs (2.2), an
 * SVID of another trust domain or role (2.3).
 */
import { loadCa } from "../../shared/pki/ca.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import { createCsr, exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/mod.ts";

/** Issues `spiffeId` with `ipSans` from the CA in `caCertPath`/`caKeyPath`. */
export async function issueFromCa(
  caCertPath: string,
  caKeyPath: string,
  spiffeId: string,
  ipSans: string[] = [],
): Promise<{ certPem: string; keyPem: string }> {
  const ca = await loadCa(await Deno.readTextFile(caCertPath), await Deno.readTextFile(caKeyPath));
  const keys = await generateKeyPair();
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(keys),
    spiffeId,
    ipSans,
    ttlMs: 3_600_000,
  });
  return { certPem: issued.certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}
