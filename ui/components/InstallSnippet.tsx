/** The ready-to-paste install commands for a new connector or tunneler. */
import { DEFAULT_CONNECTOR_PORT } from "../../shared/net/ports.ts";

/** What the snippet needs. */
export interface SnippetInput {
  role: "connector" | "tunneler";
  agentId: string;
  token: string;
  /** The controller's gRPC `host:port` (UI_CONTROLLER_ADDR); undefined: not configured. */
  controllerAddr?: string | undefined;
  /** For tunnelers: the connector to dial, as the controller reports it; undefined: none known. */
  connector?: { id: string; privateIp: string } | undefined;
}

/** `connector-id@ip:port` for a connector at the default port (IPv6 in brackets). */
export function connectorAddr(c: { id: string; privateIp: string }): string {
  const ip = c.privateIp.includes(":") ? `[${c.privateIp}]` : c.privateIp;
  return `${c.id}@${ip}:${DEFAULT_CONNECTOR_PORT}`;
}

/** The EnvironmentFile contents for the agent; an address the UI does not know is left empty, with a comment. */
export function environmentFile(input: SnippetInput): string {
  const lines = input.controllerAddr ? [`CONTROLLER_ADDR=${input.controllerAddr}`] : [
    "# the controller's gRPC address is unknown here (UI_CONTROLLER_ADDR is not set): fill in host:port",
    "CONTROLLER_ADDR=",
  ];
  lines.push(
    `${input.role === "connector" ? "CONNECTOR_ID" : "TUNNELER_ID"}=${input.agentId}`,
    "CONTROLLER_CA_PATH=/etc/postern/ca.crt",
    `ENROLLMENT_TOKEN=${input.token}`,
  );
  if (input.role === "tunneler") {
    if (input.connector) {
      lines.push(
        `# port ${DEFAULT_CONNECTOR_PORT} is the default; use the connector's CONNECTOR_LISTEN_ADDR port if it sets one`,
        `CONNECTOR_ADDR=${connectorAddr(input.connector)}`,
      );
    } else {
      lines.push(
        "# no ONLINE connector has reported its private IP yet: fill in connector-id@ip:port",
        "CONNECTOR_ADDR=",
      );
    }
    lines.push(
      "# an example: local address = destination the connector allows; replace it with your own",
      "TUNNELER_FORWARDS=127.0.0.1:15432=db.internal:5432",
    );
  }
  return lines.join("\n");
}

/** Shell commands that write /etc/postern/<role>.conf and start the service. */
export function installCommands(input: SnippetInput): string {
  return [
    "sudo install -d -m 0755 /etc/postern",
    "# copy the controller's CA certificate to /etc/postern/ca.crt first",
    `sudo tee /etc/postern/${input.role}.conf >/dev/null <<'EOF'`,
    environmentFile(input),
    "EOF",
    `sudo chmod 0600 /etc/postern/${input.role}.conf`,
    `sudo systemctl enable --now postern-${input.role}`,
    `systemctl status postern-${input.role}`,
  ].join("\n");
}
