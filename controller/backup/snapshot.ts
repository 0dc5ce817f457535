/**
 * One consistent snapshot of a whole KV store. A KV `list` is paged, so one pass could mix the
 * states before and after a commit that landed in the middle; the pass is therefore repeated until
 * two passes in a row see the same keys with the same versionstamps (versionstamps are unique and
 * grow with every commit, so an unchanged set means the first pass is the state the store was in
 * at its end). A store that keeps changing gives up after a few rounds.
 * @module
 */

/** Passes before {@link snapshot} gives up on a store that keeps changing. */
export const SNAPSHOT_ATTEMPTS = 8;

/** Every entry of `kv` as of one moment, in key order. */
export async function snapshot(kv: Deno.Kv, attempts = SNAPSHOT_ATTEMPTS): Promise<Deno.KvEntry<unknown>[]> {
  let previous = await readAll(kv);
  for (let i = 1; i < attempts; i++) {
    const again = await readAll(kv);
    if (sameStamps(previous, again)) return previous;
    previous = again;
  }
  throw new Error(`the controller state kept changing over ${attempts} reads: run backup again`);
}

async function readAll(kv: Deno.Kv): Promise<Deno.KvEntry<unknown>[]> {
  const out: Deno.KvEntry<unknown>[] = [];
  for await (const e of kv.list({ prefix: [] }, { consistency: "strong", batchSize: 500 })) out.push(e);
  return out;
}

function sameStamps(a: Deno.KvEntry<unknown>[], b: Deno.KvEntry<unknown>[]): boolean {
  return a.length === b.length && a.every((e, i) => e.versionstamp === b[i]!.versionstamp);
}
