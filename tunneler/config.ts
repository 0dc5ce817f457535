/**
 * The tunneler's configuration, validated up front (exit 2 naming the variable or entry).
 * @module
 */
import {
  type Env,
  formatHostPort,
  type HostPort,
  optional,
  parseHostPort,
  required,
} from "../shared/config/env.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { type CommonAgentConfig, commonAgentConfig } from "../shared/agent/config.ts";
import { isIP } from "node:net";

/** One `listen=resource` entry of TUNNELER_FORWARDS. */
export interface Forward {
  /** The entry as written. */
  text: string;
  listen: HostPort;
  /** `host:port` sent to the connector. */
  resource: string;
}

/** The tunneler's settings. */
export interface TunnelerConfig extends CommonAgentConfig {
  /** CONNECTOR_ADDR: an IP and port (the connector's IP SAN is checked against it). */
  connector: HostPort;
  forwards: Forward[];
}

/** Parses TUNNELER_FORWARDS. @throws {ConfigError} naming the bad entry */
export function parseForwards(text: string | undefined): Forward[] {
  if (!text) return [];
  const out: Forward[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const bad = (why: string) =>
      new ConfigError(
        `TUNNELER_FORWARDS: invalid entry "${entry}": ${why}; use listen=resource, e.g. 127.0.0.1:15432=db.internal:5432`,
      );
    const eq = entry.indexOf("=");
    if (eq < 0) throw bad('missing "="');
    let listen: HostPort, resource: HostPort;
    try {
      listen = parseHostPort(entry.slice(0, eq));
      resource = parseHostPort(entry.slice(eq + 1));
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (!resource.hostname || resource.port === 0) throw bad("the resource needs a host and a port");
    const key = formatHostPort(listen);
    if (seen.has(key)) throw bad(`listen address ${key} used twice`);
    seen.add(key);
    out.push({ text: entry, listen, resource: formatHostPort(resource) });
  }
  return out;
}

/** Reads the tunneler's environment. @throws {ConfigError} */
export function tunnelerConfig(env: Env): TunnelerConfig {
  const common = commonAgentConfig(env, "tunneler", "TUNNELER");
  const addr = required(env, "CONNECTOR_ADDR", "the connector's ip:port, e.g. 10.0.0.5:9443");
  let connector: HostPort;
  try {
    connector = parseHostPort(addr);
  } catch (e) {
    throw new ConfigError(`CONNECTOR_ADDR: ${(e as Error).message}`);
  }
  if (!isIP(connector.hostname)) {
    throw new ConfigError(
      `CONNECTOR_ADDR: "${addr}" must be an IP address and port (the connector's IP SAN is checked)`,
    );
  }
  return { ...common, connector, forwards: parseForwards(optional(env, "TUNNELER_FORWARDS")) };
}
