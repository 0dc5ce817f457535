/**
 * Settings shared by connector and tunneler, read from the environment.
 * @module
 */
import {
  type Env,
  formatHostPort,
  type HostPort,
  optional,
  parseHostPort,
  required,
  stateDirectory,
  stateDirectoryVariable,
} from "../config/env.ts";
import { ConfigError } from "../config/config_error.ts";
import { checkRoots, type ConfiguredPath } from "../config/roots.ts";
import { DEFAULT_TRUST_DOMAIN, normalizeTrustDomain } from "../pki/trust_domain.ts";
import { validateAgentId } from "../pki/spiffe_id.ts";
import { TrustBundle } from "../pki/bundle.ts";

/** The common agent settings. */
export interface CommonAgentConfig {
  role: "connector" | "tunneler";
  /** Every controller of CONTROLLER_ADDR (a comma list), in order, without duplicates. */
  controllerAddrs: string[];
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
    trustDomain = normalizeTrustDomain(optional(env, "TRUST_DOMAIN") ?? DEFAULT_TRUST_DOMAIN);
  } catch (e) {
    throw new ConfigError(
      `${(e as Error).message}: set TRUST_DOMAIN to a DNS name such as postern.internal`,
      {
        failureMode: "1.4",
        cause: e,
      },
    );
  }
  const idVar = `${prefix}_ID`;
  let id: string;
  try {
    id = validateAgentId(required(env, idVar, `the ${role}'s id, e.g. ${role}-1`));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${idVar}: ${(e as Error).message}`);
  }
  const controllerAddrs = parseControllerAddrs(required(
    env,
    "CONTROLLER_ADDR",
    "the controller's host:port, or a comma list of them, e.g. controller.internal:8443",
  ));
  const stateVar = `${prefix}_STATE_DIR`;
  const stateDir = stateDirectory(env, stateVar, role);
  const controllerCaPath = optional(env, "CONTROLLER_CA_PATH");
  const paths: ConfiguredPath[] = [{
    name: stateDirectoryVariable(env, stateVar),
    path: stateDir,
    access: "write",
  }];
  if (controllerCaPath !== undefined) {
    paths.push({
      name: "CONTROLLER_CA_PATH",
      path: controllerCaPath,
      symptom: "failed to read controller CA",
    });
  }
  checkRoots(role, paths);
  return {
    role,
    controllerAddrs,
    id,
    controllerCaPath,
    token: optional(env, "ENROLLMENT_TOKEN"),
    trustDomain,
    stateDir,
  };
}

/**
 * Parses CONTROLLER_ADDR: `host:port` or a comma list of them (several controllers sharing one
 * store); each entry goes through the one `host:port` parser and must name a host and a port.
 *
 * @throws {ConfigError} `CONTROLLER_ADDR: invalid address "<entry>": use host:port` (or a list of them),
 * `CONTROLLER_ADDR: "<entry>" is listed twice`, `CONTROLLER_ADDR: no controller given`
 */
export function parseControllerAddrs(text: string): string[] {
  const entries = text.split(",").map((e) => e.trim()).filter((e) => e !== "");
  const several = entries.length > 1;
  const out: string[] = [];
  for (const entry of entries) {
    let host: HostPort | undefined;
    try {
      host = parseHostPort(entry);
    } catch { /* refused below */ }
    if (!host || !host.hostname || host.port === 0) {
      throw new ConfigError(
        `CONTROLLER_ADDR: invalid address "${entry}": use host:port${
          several ? ", or a comma list of them such as c1.internal:8443,c2.internal:8443" : ""
        }`,
      );
    }
    const addr = formatHostPort(host);
    if (out.includes(addr)) {
      throw new ConfigError(`CONTROLLER_ADDR: "${entry}" is listed twice: name each controller once`);
    }
    out.push(addr);
  }
  if (out.length === 0) {
    throw new ConfigError(
      `CONTROLLER_ADDR: no controller given: use host:port, e.g. controller.internal:8443`,
    );
  }
  return out;
}

/**
 * Reads CONTROLLER_CA_PATH (failure mode 1.3; a file the service may not read: 5.2).
 *
 * @throws {ConfigError} `failed to read controller CA: <path>: <why>` (1.3) or `open <path>: permission denied` (5.2)
 */
export async function readControllerCa(path: string | undefined): Promise<TrustBundle> {
  if (!path) {
    throw new ConfigError(
      "failed to read controller CA: CONTROLLER_CA_PATH is not set; point it at the PEM file of the controller's CA",
      { failureMode: "1.3" },
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw controllerCaError(path, e, "set CONTROLLER_CA_PATH to a readable PEM file");
  }
  try {
    return TrustBundle.fromPem(text);
  } catch (e) {
    throw controllerCaError(path, e, "set CONTROLLER_CA_PATH to the PEM file of the controller's CA");
  }
}

/** The error for a CONTROLLER_CA_PATH that could not be read or parsed: 5.2 when denied, else 1.3 with `fix`. */
function controllerCaError(path: string, e: unknown, fix: string): ConfigError {
  if (e instanceof Deno.errors.PermissionDenied) {
    return new ConfigError(
      `open ${path}: permission denied: failed to read controller CA; make it readable by the service or hand it over with LoadCredential= and set CONTROLLER_CA_PATH=%d/ca.crt`,
      { failureMode: "5.2", cause: e },
    );
  }
  return new ConfigError(
    `failed to read controller CA: ${path}: ${(e as Error).message}; ${fix}`,
    { failureMode: "1.3", cause: e },
  );
}
