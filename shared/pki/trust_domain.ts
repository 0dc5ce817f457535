/**
 * SPIFFE trust domains: normalisation and validation.
 * @module
 */

/** Default trust domain when `TRUST_DOMAIN` is unset. */
export const DEFAULT_TRUST_DOMAIN = "postern.internal";

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Returns why `name` (already lower case) is not a DNS name, or `undefined` when it is one.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return "trust domain is empty";
  if (name.length > 253) return `name is ${name.length} characters long, at most 253 are allowed`;
  for (const label of name.split(".")) {
    if (label.length === 0) return "empty label (two dots in a row, or a leading or trailing dot)";
    if (label.length > 63) return `label "${label}" is longer than 63 characters`;
    if (!LABEL.test(label)) {
      return `label "${label}" must use only a-z, 0-9 and '-', and must not start or end with '-'`;
    }
  }
  return undefined;
}

/** A trust domain that is not a DNS name (failure mode 1.4). */
export class TrustDomainError extends TypeError {
  /** The failure-mode id. */
  readonly failureMode = "1.4";
}

/**
 * Normalises a trust domain the way operators expect: removes one trailing dot and folds
 * upper case, then checks the result is a DNS name (labels of 1-63 characters of a-z, 0-9
 * and '-', not starting or ending with '-', 253 characters at most).
 *
 * @throws {TrustDomainError} `cannot parse URI "spiffe://<raw>": invalid domain "<raw>": <reason>` (failure mode 1.4)
 */
export function normalizeTrustDomain(raw: string): string {
  const name = (raw.endsWith(".") ? raw.slice(0, -1) : raw).toLowerCase();
  const problem = dnsNameProblem(name);
  if (problem !== undefined) {
    throw new TrustDomainError(`cannot parse URI "spiffe://${raw}": invalid domain "${raw}": ${problem}`);
  }
  return name;
}
