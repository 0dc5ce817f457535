/**
 * Authorizers in the go-spiffe style: a function from a verified peer ID to "allowed" (returns)
 * or refused (throws a typed {@link PeerVerificationError}). They run after verification (chain,
 * validity, SPIFFE ID, trust domain: see verify.ts) and compose with {@link allOf}.
 * @module
 */
import { unexpectedRoleMessage } from "./_role_error.ts";
import { PeerVerificationError } from "./refusal.ts";
import type { Role, SpiffeId } from "./spiffe_id.ts";
import { normalizeTrustDomain } from "./trust_domain.ts";

/** Returns when `peer` is allowed; throws {@link PeerVerificationError} otherwise. */
export type Authorizer = (peer: SpiffeId) => void;

/** Allows any peer (the chain and trust domain are still verified elsewhere). */
export function authorizeAny(): Authorizer {
  return () => {};
}

/**
 * Allows any member of `trustDomain`: else `SPIFFE trust domain mismatch: expected "<a>", got "<b>"`.
 *
 * @throws {TypeError} when `trustDomain` itself is invalid
 */
export function authorizeMemberOf(trustDomain: string): Authorizer {
  const td = normalizeTrustDomain(trustDomain);
  return (peer) => {
    if (peer.trustDomain !== td) {
      throw new PeerVerificationError(
        "trust_domain_mismatch",
        `SPIFFE trust domain mismatch: expected "${td}", got "${peer.trustDomain}"`,
      );
    }
  };
}

/** Allows peers whose role is one of `roles`: else `unexpected SPIFFE role: expected <roles>, got "<role>"`. */
export function authorizeRole(...roles: Role[]): Authorizer {
  return (peer) => {
    if (!roles.includes(peer.role)) {
      throw new PeerVerificationError("unexpected_role", unexpectedRoleMessage(roles, peer.role));
    }
  };
}

/** Allows exactly one SPIFFE ID: else `SPIFFE ID mismatch: expected "<a>", got "<b>"`. */
export function authorizeId(uri: string): Authorizer {
  return (peer) => {
    if (peer.uri !== uri) {
      throw new PeerVerificationError(
        "unexpected_id",
        `SPIFFE ID mismatch: expected "${uri}", got "${peer.uri}"`,
      );
    }
  };
}

/** Allows any of the given SPIFFE IDs: else `SPIFFE ID mismatch: "<b>" is not one of "<a>", "<c>"`. */
export function authorizeOneOf(uris: Iterable<string>): Authorizer {
  const allowed = new Set(uris);
  return (peer) => {
    if (!allowed.has(peer.uri)) {
      const list = [...allowed].map((u) => `"${u}"`).join(", ");
      throw new PeerVerificationError(
        "unexpected_id",
        `SPIFFE ID mismatch: "${peer.uri}" is not one of ${list || "(none)"}`,
      );
    }
  };
}

/**
 * Allows peers whose id (last path segment) passes `isAllowed`, consulted on every call so a
 * live allowlist can change: else `tunneler not allowed: "<id>" is not on this connector's allowlist`
 * (failure mode 3.3).
 */
export function authorizeAllowlist(isAllowed: (id: string) => boolean): Authorizer {
  return (peer) => {
    if (!isAllowed(peer.id)) {
      throw new PeerVerificationError(
        "not_allowed",
        `tunneler not allowed: "${peer.id}" is not on this connector's allowlist`,
      );
    }
  };
}

/** Allows a peer only when every authorizer does; the first refusal is thrown. */
export function allOf(...authorizers: Authorizer[]): Authorizer {
  return (peer) => {
    for (const a of authorizers) a(peer);
  };
}
