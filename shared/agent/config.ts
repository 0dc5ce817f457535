/**
 * Settings shared by connector and tunneler, read from the environment.
 * @module
 */
import { type Env, optional, required } from "../config/env.ts";
import { ConfigError } from "../config/config_error.ts";
import { normalizeTrustDomain } from "../pki/trust_domain.ts";
import { validateAgentId } from "../pki/spiffe_id.ts";
import { TrustBundle } from "../pki/bundle.ts";

/** The common agent settings. */
export interface CommonAgentConfig {
  role: "connector" | "tunneler";
  /** CONTROLLER_ADDR `host:port`. */
  controllerAddr: string;
  /** CONNECTOR_ID / TUNNELER_ID. */
  id: string;
  /** CONTROLLER_CA_PATH. */
  controllerCaPath: string | undefined;
  /** ENROLLMENT_TOKEN, only needed without a stored identity. */
  token: string | undefined;
  trustDomain: string;
  /** CONNECTOR_STATE_DIR / TUNNELER_STATE_DIR; default $STATE_DIRECTORY or ./.postern/<role>. */
  stateDir: string;
}

/** Reads the common settings. @throws {ConfigError} naming the variable */
export function commonAgentConfig(
  env: Env,
  role: "connector" | "tunneler",
  prefix: string,
): CommonAgentConfig {
  let trustDomain: string;
  try {
    trustDomain = normalizeTrustDomain(optional(env, "TRUST_DOMAIN") ?? "postern.internal");
  } catch (e) {
    throw new ConfigError(`TRUST_DOMAIN: ${(e as Error).message}`, { cause: e });
  }
  const idVar = `${prefix}_ID`;
  let id: string;
  try {
    id = validateAgentId(required(env, idVar, `the ${role}'s id, e.g. ${role}-1`));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${idVar}: ${(e as Error).message}`);
  }
  const controllerAddr = required(
    env,
    "CONTROLLER_ADDR",
    "the controller's host:port, e.g. controller.internal:8443",
  );
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(controllerAddr)) {
    throw new ConfigError(`CONTROLLER_ADDR: invalid address "${controllerAddr}": use host:port`);
  }
  return {
    role,
    controllerAddr,
    id,
    controllerCaPath: optional(env, "CONTROLLER_CA_PATH"),
    token: optional(env, "ENROLLMENT_TOKEN"),
    trustDomain,
    stateDir: optional(env, `${prefix}_STATE_DIR`) ?? optional(env, "STATE_DIRECTORY") ??
      `./.postern/${role}`,
  };
}

/**
 * Reads CONTROLLER_CA_PATH (failure mode 1.3).
 *
 * @throws {ConfigError} `failed to read controller CA: <path>: <why>`
 */
export async function readControllerCa(path: string | undefined): Promise<TrustBundle> {
  if (!path) {
    throw new ConfigError(
      "failed to read controller CA: CONTROLLER_CA_PATH is not set; point it at the PEM file of the controller's CA (failure mode 1.3)",
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `failed to read controller CA: ${path}: ${
        (e as Error).message
      }; set CONTROLLER_CA_PATH to a readable PEM file (failure mode 1.3)`,
      { cause: e },
    );
  }
  try {
    return TrustBundle.fromPem(text);
  } catch (e) {
    throw new ConfigError(
      `failed to read controller CA: ${path}: ${(e as Error).message} (failure mode 1.3)`,
      { cause: e },
    );
  }
}
