/**
 * Internal: the shared "unexpected SPIFFE role" message.
 * @module
 */

/** `unexpected SPIFFE role: expected connector or tunneler, got "controller"` */
export function unexpectedRoleMessage(expected: readonly string[], got: string): string {
  return `unexpected SPIFFE role: expected ${expected.join(" or ")}, got "${got}"`;
}
