/**
 * `postern-controller connectors ...` and `tunnelers ...`: list, show, revoke; a connector's
 * allowlist and resources; the environment a tunneler needs (`tunnelers show`).
 * @module
 */
import type { ResourceGrant } from "../../shared/access/views.ts";
import { tunnelerAccessCommand } from "./access.ts";
import { AdminApiError, type AdminClient } from "../../shared/admin/client.ts";
import {
  type Command,
  type Group,
  type Invocation,
  listOption,
  stringOption,
  UsageError,
} from "./command.ts";
import { suggestedForward } from "./forwards.ts";
import { fields, jsonText, table } from "./output.ts";

interface AgentView {
  id: string;
  spiffe_id: string;
  status: string;
  last_seen: string | null;
  cert_expires_at: string | null;
  trusted_ca_fingerprints: string[];
  private_ip?: string;
  version?: string;
  connector_id?: string | null;
}

const path = (kind: string, id?: string, tail = "") =>
  `/api/admin/${kind}${id === undefined ? "" : `/${encodeURIComponent(id)}`}${tail}`;

function listCommand(kind: "connectors" | "tunnelers"): Command {
  return {
    verb: "list",
    summary: `list enrolled ${kind} with their status`,
    async run(inv) {
      const agents = await inv.client().request<AgentView[]>("GET", path(kind));
      if (inv.json) return inv.print(jsonText(agents));
      const rows = agents.map((a) =>
        kind === "connectors"
          ? [a.id, a.status, a.private_ip, a.version, a.last_seen, a.cert_expires_at]
          : [a.id, a.status, a.connector_id, a.last_seen, a.cert_expires_at]
      );
      const headers = kind === "connectors"
        ? ["ID", "STATUS", "PRIVATE IP", "VERSION", "LAST SEEN", "CERT EXPIRES"]
        : ["ID", "STATUS", "CONNECTOR", "LAST SEEN", "CERT EXPIRES"];
      inv.print(table(headers, rows, `no ${kind}`));
    },
  };
}

function revokeCommand(kind: "connectors" | "tunnelers"): Command {
  return {
    verb: "revoke",
    args: ["ID"],
    summary: `revoke a ${kind.slice(0, -1)}: its certificates are refused from now on`,
    async run(inv) {
      const id = inv.positionals[0]!;
      const done = await inv.client().request("DELETE", path(kind, id));
      inv.print(inv.json ? jsonText(done) : `revoked ${kind.slice(0, -1)} "${id}"`);
    },
  };
}

function agentFields(a: AgentView): [string, string | null | undefined | string[]][] {
  return [
    ["id", a.id],
    ["spiffe_id", a.spiffe_id],
    ["status", a.status],
    ...(a.private_ip === undefined ? [] : [["private_ip", a.private_ip] as [string, string]]),
    ...(a.version === undefined ? [] : [["version", a.version] as [string, string]]),
    ...(a.connector_id === undefined ? [] : [["connector_id", a.connector_id] as [string, string | null]]),
    ["last_seen", a.last_seen],
    ["cert_expires_at", a.cert_expires_at],
    ["trusted_cas", a.trusted_ca_fingerprints],
  ];
}

/** Applies `--set`, `--add`, `--remove` to `current`; undefined when none is given. */
function edit(inv: Invocation, current: string[]): string[] | undefined {
  const set = stringOption(inv, "set");
  const add = listOption(inv, "add");
  const remove = listOption(inv, "remove");
  if (set === undefined && add.length === 0 && remove.length === 0) return undefined;
  let next = set === undefined ? [...current] : set.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const a of add) if (!next.includes(a)) next.push(a);
  for (const r of remove) {
    if (!next.includes(r)) {
      throw new UsageError(`--remove "${r}": not in the list (${current.join(", ") || "empty"})`, inv.usage);
    }
    next = next.filter((x) => x !== r);
  }
  return next;
}

function listEditCommand(what: "allowlist" | "resources"): Command {
  const field = what === "allowlist" ? "tunnelers" : "resources";
  const item = what === "allowlist" ? "TUNNELER" : "DEST";
  return {
    verb: what,
    args: ["ID"],
    synopsis: `[--add ${item}]... [--remove ${item}]... [--set A,B]`,
    summary: what === "allowlist"
      ? "show or change which tunnelers the connector admits; prints the result"
      : "show or change where the connector may forward to (host:port, cidr:port); prints the result",
    optionHelp: [
      `--add ${item.padEnd(14)}add one (repeatable)`,
      `--remove ${item.padEnd(11)}remove one (repeatable)`,
      `--set A,B           replace the whole list ("" empties it)`,
    ],
    options: {
      add: { type: "string", multiple: true },
      remove: { type: "string", multiple: true },
      set: { type: "string" },
    },
    async run(inv) {
      const url = path("connectors", inv.positionals[0]!, `/${what}`);
      const client = inv.client();
      const current = (await client.request<Record<string, string[]>>("GET", url))[field] ?? [];
      const next = edit(inv, current);
      const result = next === undefined
        ? { [field]: current }
        : await client.request<Record<string, string[]>>(
          "PUT",
          url,
          { [field]: next },
        );
      if (inv.json) return inv.print(jsonText(result));
      const list = result[field] ?? [];
      inv.print(list.length === 0 ? `(no ${field})` : list.join("\n"));
    },
  };
}

/** The port the tunneler dials when a connector runs with the default CONNECTOR_LISTEN_ADDR. */
const DEFAULT_CONNECTOR_PORT = 9443;

/** The connectors whose allowlist names `tunnelerId`, with their resources. */
/** The connectors that admit `tunnelerId` (allowlist or grant), with what it may reach through each. */
async function connectorsFor(client: AdminClient, tunnelerId: string) {
  const connectors = await client.request<AgentView[]>("GET", path("connectors"));
  const { resources: grants } = await client.request<{ resources: ResourceGrant[] }>(
    "GET",
    `/api/admin/tunnelers/${encodeURIComponent(tunnelerId)}/access`,
  );
  const out: { connector: AgentView; resources: string[]; granted: ResourceGrant[] }[] = [];
  for (const c of connectors) {
    const { tunnelers } = await client.request<{ tunnelers: string[] }>(
      "GET",
      path("connectors", c.id, "/allowlist"),
    );
    const granted = grants.filter((g) => g.connectors.includes(c.id));
    if (!tunnelers.includes(tunnelerId) && granted.length === 0) continue;
    const { resources } = tunnelers.includes(tunnelerId)
      ? await client.request<{ resources: string[] }>("GET", path("connectors", c.id, "/resources"))
      : { resources: [] };
    out.push({ connector: c, resources, granted });
  }
  return out;
}

const showTunneler: Command = {
  verb: "show",
  args: ["ID"],
  synopsis: "[--connector-port PORT] [--env]",
  summary: "show a tunneler and the CONNECTOR_ADDR and TUNNELER_FORWARDS it needs (also before it enrolls)",
  optionHelp: [
    `--connector-port N  the port connectors listen on (CONNECTOR_LISTEN_ADDR; default ${DEFAULT_CONNECTOR_PORT})`,
    "--env               print only the environment lines (an env file for postern-tunneler)",
  ],
  options: { "connector-port": { type: "string" }, env: { type: "boolean" } },
  async run(inv) {
    const portText = stringOption(inv, "connector-port") ?? String(DEFAULT_CONNECTOR_PORT);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
      throw new UsageError(`invalid --connector-port "${portText}": use 1-65535`, inv.usage);
    }
    const id = inv.positionals[0]!;
    const client = inv.client();
    // Not enrolled yet is fine when a connector admits it: the operator is preparing its setup.
    let tunneler: AgentView | undefined;
    let missing: AdminApiError | undefined;
    try {
      tunneler = await client.request<AgentView>("GET", path("tunnelers", id));
    } catch (e) {
      if (!(e instanceof AdminApiError) || e.status !== 404) throw e;
      missing = e;
    }
    const serving = await connectorsFor(client, id);
    if (missing && serving.length === 0) throw missing;
    const connectorAddr = serving.filter((s) => s.connector.private_ip)
      .map((s) => `${s.connector.id}@${s.connector.private_ip}:${port}`).join(",");
    const dests = [...new Set(serving.flatMap((s) => s.resources))];
    const granted = [...new Map(serving.flatMap((s) => s.granted).map((g) => [g.name, g])).values()];
    const forwards = [
      ...dests.map((d) => suggestedForward(d)),
      ...granted.map((g) => suggestedForward(g.address, g.name)),
    ].filter((f) => f !== undefined).join(",");
    const env = { TUNNELER_ID: id, CONNECTOR_ADDR: connectorAddr, TUNNELER_FORWARDS: forwards };
    if (inv.json) return inv.print(jsonText({ ...(tunneler ?? { id, status: "NOT ENROLLED" }), env }));
    const lines = inv.values.env ? [] : [
      tunneler ? fields(agentFields(tunneler)) : fields([["id", id], ["status", "NOT ENROLLED"]]),
      "",
      `# environment of postern-tunneler "${id}":`,
    ];
    lines.push(`TUNNELER_ID=${id}`);
    if (connectorAddr === "") {
      lines.push(
        `# no connector admits "${id}": postern-controller connectors allowlist CONNECTOR --add ${id}`,
      );
    } else lines.push(`CONNECTOR_ADDR=${connectorAddr}`);
    lines.push(
      forwards === ""
        ? "# no host:port resource to forward to: postern-controller connectors resources CONNECTOR --add HOST:PORT"
        : `TUNNELER_FORWARDS=${forwards}`,
    );
    for (const d of dests.filter((d) => suggestedForward(d) === undefined)) {
      lines.push(`# ${d} is a range: forward to one host:port inside it`);
    }
    for (const g of granted.filter((g) => suggestedForward(g.address, g.name) === undefined)) {
      lines.push(`# resource ${g.name} (${g.address}) is a range: forward to one host:port inside it`);
    }
    inv.print(lines.join("\n"));
  },
};

function showAgent(kind: "connectors"): Command {
  return {
    verb: "show",
    args: ["ID"],
    summary: "show a connector, its allowlist and its resources",
    async run(inv) {
      const id = inv.positionals[0]!;
      const client = inv.client();
      const agent = await client.request<AgentView>("GET", path(kind, id));
      const { tunnelers } = await client.request<{ tunnelers: string[] }>(
        "GET",
        path(kind, id, "/allowlist"),
      );
      const { resources } = await client.request<{ resources: string[] }>(
        "GET",
        path(kind, id, "/resources"),
      );
      if (inv.json) return inv.print(jsonText({ ...agent, allowlist: tunnelers, resources }));
      inv.print(fields([...agentFields(agent), ["allowlist", tunnelers], ["resources", resources]]));
    },
  };
}

/** The `connectors` group. */
export const connectorsGroup: Group = {
  name: "connectors",
  summary: "connectors: list, show, revoke, allowlist, resources",
  commands: [
    listCommand("connectors"),
    showAgent("connectors"),
    revokeCommand("connectors"),
    listEditCommand("allowlist"),
    listEditCommand("resources"),
  ],
};

/** The `tunnelers` group. */
export const tunnelersGroup: Group = {
  name: "tunnelers",
  summary: "tunnelers: list, show (with the environment it needs), access, revoke",
  commands: [listCommand("tunnelers"), showTunneler, tunnelerAccessCommand, revokeCommand("tunnelers")],
};
