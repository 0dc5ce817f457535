/**
 * Enrollment and renewal at any controller of CONTROLLER_ADDR: the current one first, then the
 * others in order; the one that answers becomes current. A refusal (invalid token, revoked
 * identity) ends the round at once, since every controller shares one store and would repeat it.
 * @module
 */
import type { Logger } from "../log/logger.ts";
import type { AgentState } from "./agent_state.ts";
import { NonRetryableError } from "./agent_loop.ts";
import type { AgentCredentials } from "./credentials.ts";
import {
  ControllerUnreachableError,
  enroll,
  type EnrollOptions,
  renew,
  type RenewOptions,
} from "./enroll.ts";
import { type Rotation, tryInTurn } from "./rotation.ts";
import { EnrollmentRefusedError } from "../config/config_error.ts";
import type { Svid } from "../pki/svid.ts";
import type { TrustBundle } from "../pki/bundle.ts";

/** Logs a call that failed at one controller of several before the next is tried. */
function movingOn(log: Logger, what: string): (controller: string, error: unknown) => void {
  return (controller, error) =>
    log.warn(`${what} failed at one controller; trying the next`, {
      controller,
      error: (error as Error).message,
    });
}

/**
 * Enrolls at the first controller that answers.
 *
 * @throws {EnrollmentRefusedError} at once when a controller refuses the token
 * @throws the last controller's error when none enrolled
 */
export function enrollAtAnyController(
  controllers: Rotation<string>,
  opts: Omit<EnrollOptions, "controllerAddr">,
  log: Logger,
): Promise<{ svid: Svid; bundle: TrustBundle }> {
  return tryInTurn(controllers, (controllerAddr) => {
    log.info("enrolling", { controller: controllerAddr, id: opts.id, role: opts.role });
    return enroll({ ...opts, controllerAddr });
  }, { moveOn: (e) => !(e instanceof EnrollmentRefusedError), onFailed: movingOn(log, "enrollment") });
}

/**
 * Renews at the first controller of `state.controllers` that answers. A success marks the
 * controller reached; when no controller answered at all, the outage clock of `state` starts.
 *
 * @throws {NonRetryableError} at once when a controller refuses the identity
 * @throws {ControllerUnreachableError} when no controller answered
 */
export async function renewAtAnyController(
  state: AgentState,
  creds: AgentCredentials,
  opts: Omit<RenewOptions, "controllerAddr">,
  log: Logger,
): Promise<{ svid: Svid; bundle: TrustBundle }> {
  try {
    const renewed = await tryInTurn(
      state.controllers,
      (controllerAddr) => renew(creds, { ...opts, controllerAddr }),
      { moveOn: (e) => !(e instanceof NonRetryableError), onFailed: movingOn(log, "renewal") },
    );
    state.controllerReached();
    return renewed;
  } catch (e) {
    if (e instanceof ControllerUnreachableError) state.controllerLost();
    throw e;
  }
}
