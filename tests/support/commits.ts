/**
 * Watches a real store's commits: the keys each successful commit wrote, in order. The store
 * still does all the work; tests use it to say which writes went together.
 * @module
 */
import type { Check, CommitResult, Mutation, Store } from "../../controller/store/store.ts";

/** The keys (joined with "/") of every successful commit through `store` from now on. */
export function recordCommits(store: Store): string[][] {
  const commits: string[][] = [];
  const commit = store.commit.bind(store);
  store.commit = async (checks: readonly Check[], mutations: readonly Mutation[]): Promise<CommitResult> => {
    const res = await commit(checks, mutations);
    if (res.ok) commits.push(mutations.map((m) => m.key.join("/")));
    return res;
  };
  return commits;
}
