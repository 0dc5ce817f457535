/**
 * Internal: the X.509 SVID profile per role, one table for the issuer (what it puts in) and the
 * verifier (what it requires).
 * @module
 */
import { x509 } from "./_crypto.ts";
import type { Role } from "./spiffe_id.ts";

/** The extended key usages each role's SVID carries and must carry (extra ones are tolerated). */
export const ROLE_EKUS: Readonly<Record<Role, readonly string[]>> = {
  controller: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  connector: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  tunneler: [x509.ExtendedKeyUsage.clientAuth],
};

const EKU_NAMES: Readonly<Record<string, string>> = {
  [x509.ExtendedKeyUsage.serverAuth]: "serverAuth",
  [x509.ExtendedKeyUsage.clientAuth]: "clientAuth",
};

/** `serverAuth and clientAuth` (OIDs without a name as they are), or `none`. */
export function ekuNames(oids: readonly string[]): string {
  return oids.map((u) => EKU_NAMES[u] ?? u).join(" and ") || "none";
}
