/** The ready-to-paste install commands for a new connector or tunneler. */

/** What the snippet needs. */
export interface SnippetInput {
  role: "connector" | "tunneler";
  agentId: string;
  token: string;
  controllerAddr: string;
  /** For tunnelers: `connector-id@ip:port` of a connector, when one is known. */
  connectorAddr?: string | undefined;
}

/** The EnvironmentFile contents for the agent. */
export function environmentFile(input: SnippetInput): string {
  const lines = [
    `CONTROLLER_ADDR=${input.controllerAddr}`,
    `${input.role === "connector" ? "CONNECTOR_ID" : "TUNNELER_ID"}=${input.agentId}`,
    "CONTROLLER_CA_PATH=/etc/postern/ca.crt",
    `ENROLLMENT_TOKEN=${input.token}`,
  ];
  if (input.role === "tunneler") {
    lines.push(`CONNECTOR_ADDR=${input.connectorAddr ?? "<connector id>@<connector private IP>:9443"}`);
    lines.push("TUNNELER_FORWARDS=127.0.0.1:15432=db.internal:5432");
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
