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
import { validateAgentId } from "../shared/pki/spiffe_id.ts";
import { isIP } from "node:net";
import { namesResource } from "../shared/access/model.ts";

/** One `listen=destination` entry of TUNNELER_FORWARDS. */
export interface Forward {
  /** The entry as written. */
  text: string;
  listen: HostPort;
  /** `host:port`, or the name of a resource (the connector resolves it), sent to the connector. */
  resource: string;
}

/** One `connector-id@ip:port` entry of CONNECTOR_ADDR: the connector this tunneler pins. */
export interface ConnectorTarget extends HostPort {
  /** The connector's id: only `spiffe://<td>/connector/<id>` is accepted at this address. */
  id: string;
  /** The entry as written. */
  text: string;
}

/** The tunneler's settings. */
export interface TunnelerConfig extends CommonAgentConfig {
  /**
   * CONNECTOR_ADDR: the connectors, in order (connectors serving the same network). The first is
   * used until it fails, then the next (tunneler/connectors.ts).
   */
  connectors: ConnectorTarget[];
  forwards: Forward[];
}

const CONNECTOR_ADDR_EXAMPLE = "connector-id@ip:port, e.g. office-1@10.0.0.5:9443";

/**
 * Parses CONNECTOR_ADDR: `connector-id@ip:port`, or a comma list of them.
 *
 * @throws {ConfigError} naming the bad entry; a bare `ip:port` is asked for its connector id
 */
export function parseConnectorAddrs(text: string): ConnectorTarget[] {
  const out: ConnectorTarget[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const bad = (why: string) => new ConfigError(`CONNECTOR_ADDR: invalid entry "${entry}": ${why}`);
    const at = entry.lastIndexOf("@");
    if (at < 0) {
      throw bad(
        `name the connector this tunneler trusts at that address: use ${CONNECTOR_ADDR_EXAMPLE} (the connector id is the CONNECTOR_ID it enrolled with)`,
      );
    }
    let id: string, addr: HostPort;
    try {
      id = validateAgentId(entry.slice(0, at));
    } catch (e) {
      throw bad((e as Error).message.replace(/^invalid id/, "invalid connector id"));
    }
    try {
      addr = parseHostPort(entry.slice(at + 1));
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (!isIP(addr.hostname) || addr.port === 0) {
      throw bad("the address must be an IP address and port (the connector's IP SAN is checked against it)");
    }
    out.push({ id, hostname: addr.hostname, port: addr.port, text: entry });
  }
  if (out.length === 0) {
    throw new ConfigError(`CONNECTOR_ADDR: no connector given: use ${CONNECTOR_ADDR_EXAMPLE}`);
  }
  return out;
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
        `TUNNELER_FORWARDS: invalid entry "${entry}": ${why}; use listen=host:port or listen=resource-name, e.g. 127.0.0.1:15432=db.internal:5432 or 127.0.0.1:15432=db`,
      );
    const eq = entry.indexOf("=");
    if (eq < 0) throw bad('missing "="');
    let listen: HostPort, destination: string;
    const target = entry.slice(eq + 1).trim();
    try {
      listen = parseHostPort(entry.slice(0, eq));
      if (namesResource(target)) destination = target;
      else {
        const resource = parseHostPort(target);
        if (!resource.hostname || resource.port === 0) throw bad("the destination needs a host and a port");
        destination = formatHostPort(resource);
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw bad((e as Error).message);
    }
    const key = formatHostPort(listen);
    if (seen.has(key)) throw bad(`listen address ${key} used twice`);
    seen.add(key);
    out.push({ text: entry, listen, resource: destination });
  }
  return out;
}

/** Reads the tunneler's environment. @throws {ConfigError} */
export function tunnelerConfig(env: Env): TunnelerConfig {
  const common = commonAgentConfig(env, "tunneler", "TUNNELER");
  const connectors = parseConnectorAddrs(required(env, "CONNECTOR_ADDR", CONNECTOR_ADDR_EXAMPLE));
  return { ...common, connectors, forwards: parseForwards(optional(env, "TUNNELER_FORWARDS")) };
}
