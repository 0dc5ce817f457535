/**
 * SPIFFE IDs of the form `spiffe://<trust-domain>/<role>/<id>`.
 * @module
 */
import { dnsNameProblem, normalizeTrustDomain } from "./trust_domain.ts";

/** The role of a workload, the first path segment of its SPIFFE ID. */
export type Role = "controller" | "connector" | "tunneler";

/** Every role, in a stable order. */
export const ROLES: readonly Role[] = Object.freeze(["controller", "connector", "tunneler"]);

/** A parsed SPIFFE ID. */
export interface SpiffeId {
  /** Trust domain, normalised (lower case, no trailing dot). */
  trustDomain: string;
  /** Workload role. */
  role: Role;
  /** Agent or controller id (last path segment). */
  id: string;
  /** The whole URI, `spiffe://<trustDomain>/<role>/<id>`. */
  uri: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether `value` is one of {@link ROLES}. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Checks an agent id (connector or tunneler id, or the controller's name) and returns it.
 *
 * @throws {TypeError} `invalid id "<id>": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`
 */
export function validateAgentId(id: string): string {
  if (!ID.test(id) || id.includes("..")) {
    throw new TypeError(
      `invalid id "${id}": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  return id;
}

/**
 * Builds `spiffe://<trustDomain>/<role>/<id>`; the trust domain is normalised first.
 *
 * @throws {TypeError} for an invalid trust domain, role or id
 */
export function formatSpiffeId(trustDomain: string, role: Role, id: string): string {
  const td = normalizeTrustDomain(trustDomain);
  if (!isRole(role)) throw new TypeError(`unexpected SPIFFE role "${role}"`);
  validateAgentId(id);
  return `spiffe://${td}/${role}/${id}`;
}

/**
 * Parses a Postern SPIFFE ID. The trust domain must already be in normal form (lower case,
 * no trailing dot), as in a certificate.
 *
 * @throws {TypeError} `cannot parse URI "<uri>": <reason>`
 */
export function parseSpiffeId(uri: string): SpiffeId {
  const fail = (reason: string): never => {
    throw new TypeError(`cannot parse URI "${uri}": ${reason}`);
  };
  const prefix = "spiffe://";
  if (!uri.startsWith(prefix)) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
    return fail(scheme === undefined ? "scheme is missing" : `scheme is "${scheme}", expected "spiffe"`);
  }
  if (uri.includes("?")) return fail("query is not allowed");
  if (uri.includes("#")) return fail("fragment is not allowed");
  const rest = uri.slice(prefix.length);
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  if (authority.includes("@")) return fail("userinfo is not allowed");
  if (authority.includes(":")) return fail("port is not allowed");
  const problem = authority !== authority.toLowerCase()
    ? "trust domain must be lower case"
    : dnsNameProblem(authority);
  if (problem !== undefined) return fail(`invalid domain "${authority}": ${problem}`);
  const segments = path.split("/");
  if (segments.length !== 3 || segments[0] !== "") {
    return fail(`path "${path}" must be exactly /<role>/<id>`);
  }
  const role = segments[1]!;
  const id = segments[2]!;
  if (!isRole(role)) return fail(`unexpected SPIFFE role "${role}"`);
  try {
    validateAgentId(id);
  } catch (e) {
    return fail((e as Error).message);
  }
  return { trustDomain: authority, role, id, uri };
}
