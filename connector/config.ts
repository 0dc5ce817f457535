/**
 * The connector's configuration, validated up front (exit 2 naming the variable).
 * @module
 */
import { type Env, type HostPort, hostPort, optional } from "../shared/config/env.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { type CommonAgentConfig, commonAgentConfig } from "../shared/agent/config.ts";
import { isIP } from "node:net";
import { DEFAULT_CONNECTOR_PORT } from "../shared/net/ports.ts";

/** The connector's settings. */
export interface ConnectorConfig extends CommonAgentConfig {
  /** CONNECTOR_PRIVATE_IP, default the first non-loopback IPv4. */
  privateIp: string;
  /** CONNECTOR_LISTEN_ADDR, default `:9443` (DEFAULT_CONNECTOR_PORT). */
  listen: HostPort;
  /** CONNECTOR_HEALTH_ADDR, optional. */
  health: HostPort | undefined;
}

/** The first non-loopback IPv4 address of this host. */
export function detectPrivateIp(): string | undefined {
  try {
    return Deno.networkInterfaces().find((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      ?.address;
  } catch {
    return undefined;
  }
}

/** Reads the connector's environment. @throws {ConfigError} */
export function connectorConfig(
  env: Env,
  detect: () => string | undefined = detectPrivateIp,
): ConnectorConfig {
  const common = commonAgentConfig(env, "connector", "CONNECTOR");
  const ip = optional(env, "CONNECTOR_PRIVATE_IP") ?? detect();
  if (!ip) throw new ConfigError("CONNECTOR_PRIVATE_IP is required: no non-loopback IPv4 address was found");
  if (!isIP(ip)) throw new ConfigError(`CONNECTOR_PRIVATE_IP: "${ip}" is not an IP address`);
  const healthText = optional(env, "CONNECTOR_HEALTH_ADDR");
  return {
    ...common,
    privateIp: ip,
    listen: hostPort(env, "CONNECTOR_LISTEN_ADDR", `:${DEFAULT_CONNECTOR_PORT}`),
    health: healthText ? hostPort(env, "CONNECTOR_HEALTH_ADDR") : undefined,
  };
}
