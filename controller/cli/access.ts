/**
 * `postern-controller resources|groups|policies list|set|delete` and `tunnelers access ID`: the
 * access model over the admin API (`/api/admin/resources`, `/groups`, `/policies`,
 * `/tunnelers/{id}/access`).
 * @module
 */
import { type Command, type Group, listOption, stringOption, UsageError } from "./command.ts";
import { jsonText, table } from "./output.ts";
import type { Group as GroupRecord, Policy, Resource } from "../../shared/access/model.ts";
import type { ResourceGrant } from "../../shared/access/views.ts";

const path = (kind: string, name?: string) =>
  `/api/admin/${kind}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

function deleteCommand(kind: string, what: string): Command {
  return {
    verb: "delete",
    args: ["NAME"],
    summary: `delete a ${what}; connectors close what it allowed within a second`,
    async run(inv) {
      const name = inv.positionals[0]!;
      await inv.client().request("DELETE", path(kind, name));
      inv.print(inv.json ? jsonText({ deleted: name }) : `deleted ${what} ${name}`);
    },
  };
}

/** The `resources` group. */
export const resourcesGroup: Group = {
  name: "resources",
  summary: "named resources: an address and the connectors that serve it",
  commands: [
    {
      verb: "list",
      summary: "list resources",
      async run(inv) {
        const { resources } = await inv.client().request<{ resources: Resource[] }>("GET", path("resources"));
        if (inv.json) return inv.print(jsonText(resources));
        inv.print(table(
          ["NAME", "ADDRESS", "CONNECTORS", "NOTE"],
          resources.map((r) => [r.name, r.address, r.connectors.join(","), r.note]),
          "no resources",
        ));
      },
    },
    {
      verb: "set",
      args: ["NAME"],
      synopsis: "--address ADDR --connector ID… [--note TEXT]",
      summary: "create or replace a resource",
      optionHelp: [
        "--address ADDR      host:port, cidr:port or dns-name:port (*. for names below a domain)",
        "--connector ID      a connector that serves it (repeat for several)",
        "--note TEXT         what it is",
      ],
      options: {
        address: { type: "string" },
        connector: { type: "string", multiple: true },
        note: { type: "string" },
      },
      async run(inv) {
        const address = stringOption(inv, "address");
        if (address === undefined) throw new UsageError("--address is required", inv.usage);
        const connectors = listOption(inv, "connector");
        if (connectors.length === 0) throw new UsageError("--connector is required", inv.usage);
        const note = stringOption(inv, "note");
        const saved = await inv.client().request<Resource>("PUT", path("resources", inv.positionals[0]!), {
          address,
          connectors,
          ...(note === undefined ? {} : { note }),
        });
        inv.print(
          inv.json
            ? jsonText(saved)
            : `resource ${saved.name} ${saved.address} on ${saved.connectors.join(", ")}`,
        );
      },
    },
    deleteCommand("resources", "resource"),
  ],
};

/** The `groups` group. */
export const groupsGroup: Group = {
  name: "groups",
  summary: "groups of tunnelers",
  commands: [
    {
      verb: "list",
      summary: "list groups",
      async run(inv) {
        const { groups } = await inv.client().request<{ groups: GroupRecord[] }>("GET", path("groups"));
        if (inv.json) return inv.print(jsonText(groups));
        inv.print(
          table(["NAME", "TUNNELERS"], groups.map((g) => [g.name, g.tunnelers.join(",")]), "no groups"),
        );
      },
    },
    {
      verb: "set",
      args: ["NAME"],
      synopsis: "--tunneler ID…",
      summary: "create or replace a group",
      optionHelp: ["--tunneler ID       a member (repeat for several)"],
      options: { tunneler: { type: "string", multiple: true } },
      async run(inv) {
        const saved = await inv.client().request<GroupRecord>("PUT", path("groups", inv.positionals[0]!), {
          tunnelers: listOption(inv, "tunneler"),
        });
        inv.print(
          inv.json ? jsonText(saved) : `group ${saved.name}: ${saved.tunnelers.join(", ") || "no tunnelers"}`,
        );
      },
    },
    deleteCommand("groups", "group"),
  ],
};

/** The `policies` group. */
export const policiesGroup: Group = {
  name: "policies",
  summary: "which groups and tunnelers may reach which resources",
  commands: [
    {
      verb: "list",
      summary: "list policies",
      async run(inv) {
        const { policies } = await inv.client().request<{ policies: Policy[] }>("GET", path("policies"));
        if (inv.json) return inv.print(jsonText(policies));
        inv.print(table(
          ["NAME", "GROUPS", "TUNNELERS", "RESOURCES"],
          policies.map((p) => [p.name, p.groups.join(","), p.tunnelers.join(","), p.resources.join(",")]),
          "no policies",
        ));
      },
    },
    {
      verb: "set",
      args: ["NAME"],
      synopsis: "[--group G]… [--tunneler T]… --resource R…",
      summary: "create or replace a policy (names that do not exist yet grant nothing until they do)",
      optionHelp: [
        "--group G           a group it grants (repeat for several)",
        "--tunneler T        a tunneler it grants (repeat for several)",
        "--resource R        a resource it grants (repeat for several)",
      ],
      options: {
        group: { type: "string", multiple: true },
        tunneler: { type: "string", multiple: true },
        resource: { type: "string", multiple: true },
      },
      async run(inv) {
        const resources = listOption(inv, "resource");
        if (resources.length === 0) throw new UsageError("--resource is required", inv.usage);
        const saved = await inv.client().request<Policy>("PUT", path("policies", inv.positionals[0]!), {
          groups: listOption(inv, "group"),
          tunnelers: listOption(inv, "tunneler"),
          resources,
        });
        inv.print(
          inv.json
            ? jsonText(saved)
            : `policy ${saved.name}: ${
              [...saved.groups.map((g) => `group ${g}`), ...saved.tunnelers].join(", ") || "nobody"
            } → ${saved.resources.join(", ")}`,
        );
      },
    },
    deleteCommand("policies", "policy"),
  ],
};

/** `tunnelers access ID`: what a tunneler may reach, and why. */
export const tunnelerAccessCommand: Command = {
  verb: "access",
  args: ["ID"],
  summary: "the resources a tunneler may reach, with the policies (and groups) that grant them",
  async run(inv) {
    const id = inv.positionals[0]!;
    const view = await inv.client().request<{ tunneler: string; resources: ResourceGrant[] }>(
      "GET",
      `/api/admin/tunnelers/${encodeURIComponent(id)}/access`,
    );
    if (inv.json) return inv.print(jsonText(view));
    inv.print(table(
      ["RESOURCE", "ADDRESS", "CONNECTORS", "GRANTED BY"],
      view.resources.map((r) => [
        r.name,
        r.address,
        r.connectors.join(","),
        r.granted_by.map((g) => g.group ? `${g.policy} (group ${g.group})` : g.policy).join(", "),
      ]),
      `tunneler ${id} may reach no resource`,
    ));
  },
};
