/**
 * The mutable runtime state of an agent that status.json and the connector's /metrics report:
 * its session (the connector's control-plane stream, the tunneler's connector session), the
 * controllers of CONTROLLER_ADDR and since when none of them answers (the outage budget runs
 * from then until the certificate expires).
 * @module
 */
import { Rotation } from "./rotation.ts";

/** What a running agent knows about its connections. */
export class AgentState {
  controlPlane = "connecting";
  connectedSince: string | undefined;
  reconnects = 0;
  /** RFC 3339 time since when no controller answered; undefined while one does (or none was tried). */
  controllerUnreachableSince: string | undefined;
  /** The controllers of CONTROLLER_ADDR; the current one is used first (stream, enrollment, renewal). */
  readonly controllers: Rotation<string>;

  /** @param controllerAddrs every controller of CONTROLLER_ADDR, in order */
  constructor(controllerAddrs: readonly string[], private readonly now: () => number = Date.now) {
    this.controllers = new Rotation(controllerAddrs);
  }

  connected(): void {
    if (this.connectedSince !== undefined || this.controlPlane !== "connecting") this.reconnects++;
    this.controlPlane = "connected";
    this.connectedSince = new Date(this.now()).toISOString();
  }

  disconnected(why: string): void {
    this.controlPlane = `disconnected: ${why}`;
  }

  /** A controller answered (a control stream opened, a renewal succeeded). */
  controllerReached(): void {
    this.controllerUnreachableSince = undefined;
  }

  /** No controller answered; the first such moment of an outage is kept. */
  controllerLost(): void {
    this.controllerUnreachableSince ??= new Date(this.now()).toISOString();
  }
}
