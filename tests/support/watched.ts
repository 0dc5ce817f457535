/**
 * A list that grows while a test waits on it (a process's output lines, a stream's messages), and
 * the one way to wait for an item of it: woken by each new item, bounded by a timeout.
 * @module
 */

/** What {@link Watched.first} does besides matching. */
export interface FirstOptions {
  /** Index of the first item to look at. Default 0. */
  from?: number;
  /** The error of a wait that timed out. */
  timeout: () => Error;
  /** When given, the error of a wait still unmatched once the list has ended. */
  ended?: () => Error;
}

/** A growing list of `T` and the waits on it. */
export class Watched<T> {
  /** The items so far, in order (the same array for the list's whole life). */
  readonly items: T[] = [];
  #waiters = new Set<() => void>();
  #ended = false;

  /** Adds `items` and wakes the waits. */
  push(...items: T[]): void {
    this.items.push(...items);
    this.#wake();
  }

  /** Marks the list ended (no more items) and wakes the waits. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Resolves with the first item matching `pred`; rejects with `o.timeout()` after `timeoutMs`. */
  first(pred: (item: T) => boolean, timeoutMs: number, o: FirstOptions): Promise<T> {
    return new Promise((resolve, reject) => {
      let seen = o.from ?? 0;
      const check = () => {
        for (; seen < this.items.length; seen++) {
          const item = this.items[seen]!;
          if (pred(item)) {
            cleanup();
            return resolve(item);
          }
        }
        if (this.#ended && o.ended) {
          cleanup();
          reject(o.ended());
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(o.timeout());
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }
}
