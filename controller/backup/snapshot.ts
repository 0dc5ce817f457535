/**
 * One consistent snapshot of a whole store. A `list` is paged, so one pass could mix the states
 * before and after a commit that landed in the middle; the pass is therefore repeated until two
 * passes in a row see the same keys at the same versions (versions are unique and grow with every
 * write, on every backend, so an unchanged set means the first pass is the state the store was in
 * at its end). A store that keeps changing gives up after a few rounds.
 * @module
 */
import { type Entry, listAll, type Store } from "../store/store.ts";

/** Passes before {@link snapshot} gives up on a store that keeps changing. */
export const SNAPSHOT_ATTEMPTS = 8;

/** Every entry of `store` as of one moment, in key order. */
export async function snapshot(store: Store, attempts = SNAPSHOT_ATTEMPTS): Promise<Entry<unknown>[]> {
  let previous = await listAll(store, []);
  for (let i = 1; i < attempts; i++) {
    const again = await listAll(store, []);
    if (sameVersions(previous, again)) return previous;
    previous = again;
  }
  throw new Error(`the controller state kept changing over ${attempts} reads: run backup again`);
}

function sameVersions(a: Entry<unknown>[], b: Entry<unknown>[]): boolean {
  return a.length === b.length &&
    a.every((e, i) => e.version === b[i]!.version && e.key.join("/") === b[i]!.key.join("/"));
}
