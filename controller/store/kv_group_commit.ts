/**
 * The group commit of the Deno KV backend: Deno KV's SQLite thread runs one commit at a time, with
 * one fsync each, so while one transaction is in flight the commits that arrive wait here, and when
 * it ends they go out together as the next transaction (one fsync for all of them).
 *
 * - A lone commit is not delayed: with nothing in flight it goes out at once (no timer, no window).
 * - Never two commits touching one key (of a check or a mutation, as a whole key) in one batch: a
 *   later one waits for a later batch, and commits sharing a key go out in arrival order. Two uses
 *   of one enrollment token therefore meet in two transactions, and the second fails its check.
 * - A batch stays within Deno KV's limits ({@link KV_BATCH_LIMITS}); the rest waits for the next.
 * - What a batch does with its members (one pre-read, one atomic, each alone when that fails) is
 *   the store's: {@link CommitQueue} only orders, groups and settles.
 * @module
 */
import { type Check, type CommitResult, keySize, type Mutation } from "./store.ts";

/**
 * What one Deno KV transaction may hold, with room for its encoding: the one place of these
 * numbers (kv_store.ts derives the store's `KV_LIMITS` and its check limit from them).
 */
export const KV_BATCH_LIMITS = {
  /** Deno KV: at most 100 checks per atomic operation. */
  checks: 100,
  /** Deno KV: 1000 mutations; the store's `KV_LIMITS` counts checks and mutations together. */
  operations: 1000,
  /** The store's 768 KiB of `commitSize` of store.ts, below Deno's 800 KiB of mutations. */
  bytes: 768 * 1024,
  /** Deno's 80 KiB of mutation keys, counted as {@link mutationKeyBytes} (its encoding is larger). */
  mutationKeyBytes: 72 * 1024,
} as const;

/** How far down the queue one batch looks for members (a hot key must not make forming quadratic). */
const SCAN = 256;

/** The bytes Deno KV counts for the keys of `mutations`, estimated: a tag and a terminator a segment. */
export function mutationKeyBytes(mutations: readonly Mutation[]): number {
  let n = 0;
  for (const m of mutations) n += keySize(m.key) + m.key.length;
  return n;
}

/** One caller's commit waiting for its batch. */
export interface Pending {
  readonly checks: readonly Check[];
  readonly mutations: readonly Mutation[];
  /** Every key it checks or writes, joined with "/" (segments never contain it). */
  readonly keys: ReadonlySet<string>;
  readonly size: { checks: number; operations: number; bytes: number; mutationKeyBytes: number };
  /** Settles the caller's promise (later calls do nothing). */
  resolve(result: CommitResult): void;
  reject(error: unknown): void;
}

/** A pending commit of `checks` and `mutations`, `bytes` long (store.ts `commitSize`), settling the caller. */
export function pending(
  checks: readonly Check[],
  mutations: readonly Mutation[],
  bytes: number,
  resolve: (result: CommitResult) => void,
  reject: (error: unknown) => void,
): Pending {
  const keys = new Set<string>();
  for (const c of checks) keys.add(c.key.join("/"));
  for (const m of mutations) keys.add(m.key.join("/"));
  return {
    checks,
    mutations,
    keys,
    size: {
      checks: checks.length,
      operations: checks.length + mutations.length,
      bytes,
      mutationKeyBytes: mutationKeyBytes(mutations),
    },
    resolve,
    reject,
  };
}

/**
 * Takes the next batch out of `queue` (in place): from the front, every member that shares no key
 * with a member taken or passed over before it, while the batch stays within `limits`. The first
 * member always goes (alone if need be: it passed the store's own limits).
 */
export function takeBatch(queue: Pending[], limits = KV_BATCH_LIMITS): Pending[] {
  const batch: Pending[] = [];
  const blocked = new Set<string>();
  const sum = { checks: 0, operations: 0, bytes: 0, mutationKeyBytes: 0 };
  const end = Math.min(queue.length, SCAN);
  let i = 0;
  for (; i < end; i++) {
    const m = queue[i]!;
    const clash = [...m.keys].some((k) => blocked.has(k));
    for (const k of m.keys) blocked.add(k);
    if (clash) continue;
    const fits = batch.length === 0 || (
      sum.checks + m.size.checks <= limits.checks &&
      sum.operations + m.size.operations <= limits.operations &&
      sum.bytes + m.size.bytes <= limits.bytes &&
      sum.mutationKeyBytes + m.size.mutationKeyBytes <= limits.mutationKeyBytes
    );
    if (!fits) break;
    batch.push(m);
    sum.checks += m.size.checks;
    sum.operations += m.size.operations;
    sum.bytes += m.size.bytes;
    sum.mutationKeyBytes += m.size.mutationKeyBytes;
  }
  const taken = new Set(batch);
  let w = 0;
  for (let r = 0; r < queue.length; r++) if (!taken.has(queue[r]!)) queue[w++] = queue[r]!;
  queue.length = w;
  return batch;
}

/**
 * Runs `flush` on one batch at a time: the commits that arrive while a batch is in flight queue and
 * form the next. `flush` settles every member; whatever it throws reaches the members it left
 * unsettled, and the queue goes on.
 */
export class CommitQueue {
  #queue: Pending[] = [];
  #running = false;

  constructor(private readonly flush: (batch: Pending[]) => Promise<void>) {}

  /** Queues `member`; with nothing in flight its batch starts before this returns. */
  add(member: Pending): void {
    this.#queue.push(member);
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = takeBatch(this.#queue);
        try {
          await this.flush(batch);
        } catch (error) {
          for (const m of batch) m.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
