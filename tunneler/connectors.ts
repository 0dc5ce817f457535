/**
 * The connectors of CONNECTOR_ADDR and which one is in use: the heartbeat session and new tunnels
 * go through the current one; a failure moves to the next (in CONNECTOR_ADDR order, wrapping), a
 * success makes that connector the current one (the last one that worked is preferred).
 * @module
 */
import type { ConnectorTarget } from "./config.ts";

/** Which connector of CONNECTOR_ADDR is in use. */
export class ConnectorChoice {
  #current = 0;

  /** @throws when `targets` is empty */
  constructor(readonly targets: readonly ConnectorTarget[]) {
    if (targets.length === 0) throw new Error("ConnectorChoice: no connector given");
  }

  /** The connector in use. */
  get current(): ConnectorTarget {
    return this.targets[this.#current]!;
  }

  /** Every connector once, the current one first, then the others in CONNECTOR_ADDR order. */
  order(): ConnectorTarget[] {
    const n = this.targets.length;
    return Array.from({ length: n }, (_, i) => this.targets[(this.#current + i) % n]!);
  }

  /** `t` just worked: it becomes the current connector. */
  worked(t: ConnectorTarget): void {
    const i = this.targets.indexOf(t);
    if (i >= 0) this.#current = i;
  }

  /** `t` just failed: when it is the current connector, the next one becomes current. */
  failed(t: ConnectorTarget): void {
    if (this.targets[this.#current] === t) this.#current = (this.#current + 1) % this.targets.length;
  }
}
