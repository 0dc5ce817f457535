/**
 * Whether two lists hold the same items in the same order (each compared with `===`).
 * @module
 */

/** Whether `a` and `b` have the same length and `a[i] === b[i]` for every i. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
