/**
 * `postern-controller api-keys create|list|revoke`: named admin API keys; the name is the
 * `actor` of every change made with the key.
 * @module
 */
import { type Group, stringOption, UsageError } from "./command.ts";
import { jsonText, table } from "./output.ts";

interface KeyView {
  id: string;
  name: string;
  scope: string;
  created_at: string;
  key?: string;
}

/** The `api-keys` group. */
export const apiKeysGroup: Group = {
  name: "api-keys",
  summary: "named admin API keys (scope admin or read)",
  commands: [
    {
      verb: "create",
      synopsis: "--name NAME --scope admin|read",
      summary: "create a key and print it alone (the only time it is shown)",
      optionHelp: [
        "--name NAME         who uses it; recorded as the actor of its changes",
        "--scope SCOPE       admin (everything) or read (GET only)",
      ],
      options: { name: { type: "string" }, scope: { type: "string" } },
      async run(inv) {
        const name = stringOption(inv, "name");
        const scope = stringOption(inv, "scope");
        if (name === undefined) throw new UsageError("--name is required", inv.usage);
        if (scope !== "admin" && scope !== "read") {
          throw new UsageError(
            scope === undefined ? "--scope is required" : `invalid --scope "${scope}": use admin or read`,
            inv.usage,
          );
        }
        const made = await inv.client().request<KeyView>("POST", "/api/admin/api-keys", { name, scope });
        inv.print(inv.json ? jsonText(made) : made.key!);
      },
    },
    {
      verb: "list",
      summary: "list keys (never the keys themselves)",
      async run(inv) {
        const keys = await inv.client().request<KeyView[]>("GET", "/api/admin/api-keys");
        if (inv.json) return inv.print(jsonText(keys));
        inv.print(
          table(
            ["ID", "NAME", "SCOPE", "CREATED"],
            keys.map((k) => [k.id, k.name, k.scope, k.created_at]),
            "no API keys",
          ),
        );
      },
    },
    {
      verb: "revoke",
      args: ["ID"],
      summary: "revoke a key: it gets 401 from now on",
      async run(inv) {
        const id = inv.positionals[0]!;
        const done = await inv.client().request("DELETE", `/api/admin/api-keys/${encodeURIComponent(id)}`);
        inv.print(inv.json ? jsonText(done) : `revoked API key ${id}`);
      },
    },
  ],
};
