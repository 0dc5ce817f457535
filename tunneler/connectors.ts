/**
 * The connectors of CONNECTOR_ADDR and which one is in use: the heartbeat session and new tunnels
 * go through the current one; a failure moves to the next (in CONNECTOR_ADDR order, wrapping), a
 * success makes that connector the current one (the last one that worked is preferred).
 * @module
 */
import type { ConnectorTarget } from "./config.ts";
import { Rotation } from "../shared/agent/rotation.ts";

/** Which connector of CONNECTOR_ADDR is in use (see {@link Rotation}). */
export class ConnectorChoice extends Rotation<ConnectorTarget> {}
