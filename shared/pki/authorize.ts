/**
 * Authorizers in the go-spiffe style: a function from a verified peer ID to "allowed" (returns)
 * or refused (throws {@link PeerVerificationError}).
 * @module
 */
import { unexpectedRoleMessage } from "./_role_error.ts";
import type { Role, SpiffeId } from "./spiffe_id.ts";
import { PeerVerificationError } from "./verify.ts";

/** Returns when `peer` is allowed; throws {@link PeerVerificationError} otherwise. */
export type Authorizer = (peer: SpiffeId) => void;

/** Allows any peer (the chain and trust domain are still verified elsewhere). */
export function authorizeAny(): Authorizer {
  return () => {};
}

/** Allows peers whose role is one of `roles`: else `unexpected SPIFFE role: expected <roles>, got "<role>"`. */
export function authorizeRole(...roles: Role[]): Authorizer {
  return (peer) => {
    if (!roles.includes(peer.role)) throw new PeerVerificationError(unexpectedRoleMessage(roles, peer.role));
  };
}

/** Allows exactly one SPIFFE ID: else `unexpected SPIFFE ID: expected "<a>", got "<b>"`. */
export function authorizeId(uri: string): Authorizer {
  return (peer) => {
    if (peer.uri !== uri) {
      throw new PeerVerificationError(`unexpected SPIFFE ID: expected "${uri}", got "${peer.uri}"`);
    }
  };
}

/** Allows any of the given SPIFFE IDs: else `unexpected SPIFFE ID: "<b>" is not one of "<a>", "<c>"`. */
export function authorizeOneOf(uris: Iterable<string>): Authorizer {
  const allowed = new Set(uris);
  return (peer) => {
    if (!allowed.has(peer.uri)) {
      const list = [...allowed].map((u) => `"${u}"`).join(", ");
      throw new PeerVerificationError(
        `unexpected SPIFFE ID: "${peer.uri}" is not one of ${list || "(none)"}`,
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
