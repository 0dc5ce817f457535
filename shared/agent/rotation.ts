/**
 * Which of several equivalent peers is in use (the controllers of CONTROLLER_ADDR, the connectors
 * of CONNECTOR_ADDR): a failure moves to the next in list order (wrapping), a success makes that
 * peer the current one (the last one that worked is preferred).
 * @module
 */

/** The peer in use among `targets`, and the order to try them in. */
export class Rotation<T> {
  #current = 0;

  /** @throws {RangeError} when `targets` is empty */
  constructor(readonly targets: readonly T[]) {
    if (targets.length === 0) throw new RangeError("Rotation: no target given");
  }

  /** The peer in use. */
  get current(): T {
    return this.targets[this.#current]!;
  }

  /** Every peer once, the current one first, then the others in list order. */
  order(): T[] {
    const n = this.targets.length;
    return Array.from({ length: n }, (_, i) => this.targets[(this.#current + i) % n]!);
  }

  /** `t` just worked: it becomes the current peer. */
  worked(t: T): void {
    const i = this.targets.indexOf(t);
    if (i >= 0) this.#current = i;
  }

  /** `t` just failed: when it is the current peer, the next one becomes current. */
  failed(t: T): void {
    if (this.targets[this.#current] === t) this.#current = (this.#current + 1) % this.targets.length;
  }
}

/** Whether {@link tryInTurn} moves on to the next peer after `error` (default: always). */
export type MoveOn = (error: unknown) => boolean;

/**
 * Calls `attempt` with each peer in {@link Rotation.order} until one succeeds; the peer that
 * answered becomes current. An error for which `moveOn` says no ends the round at once (a refusal
 * the next peer would repeat); otherwise, when every peer failed, the last error is thrown.
 * `onFailed` hears each failure that moved on.
 */
export async function tryInTurn<T, R>(
  rotation: Rotation<T>,
  attempt: (target: T) => Promise<R>,
  opts: { moveOn?: MoveOn; onFailed?: (target: T, error: unknown) => void } = {},
): Promise<R> {
  let last: unknown;
  for (const target of rotation.order()) {
    try {
      const result = await attempt(target);
      rotation.worked(target);
      return result;
    } catch (e) {
      if (opts.moveOn && !opts.moveOn(e)) throw e;
      rotation.failed(target);
      last = e;
      if (rotation.targets.length > 1) opts.onFailed?.(target, e);
    }
  }
  throw last;
}
