/**
 * `postern-controller tokens create|list|revoke`: one-time enrollment tokens.
 * @module
 */
import { parseDuration } from "../../shared/config/env.ts";
import { type Group, type Invocation, stringOption, UsageError } from "./command.ts";
import { jsonText, table } from "./output.ts";

interface TokenView {
  id: string;
  token?: string;
  role: string;
  agent_id: string | null;
  note: string;
  expires_at: string;
  status?: string;
  used_by?: string | null;
}

/** `--ttl 1h` as whole seconds. */
function ttlSeconds(text: string, usage: string): number {
  try {
    return Math.ceil(parseDuration(text) / 1000);
  } catch (e) {
    throw new UsageError(`--ttl: ${(e as Error).message}`, usage);
  }
}

async function create(inv: Invocation): Promise<void> {
  const role = stringOption(inv, "role");
  if (role !== "connector" && role !== "tunneler") {
    throw new UsageError(
      role === undefined ? "--role is required" : `invalid --role "${role}": use connector or tunneler`,
      inv.usage,
    );
  }
  const id = stringOption(inv, "id");
  const ttl = stringOption(inv, "ttl");
  const note = stringOption(inv, "note");
  const made = await inv.client().request<TokenView>("POST", "/api/admin/tokens", {
    role,
    ...(id === undefined ? {} : { id }),
    ...(ttl === undefined ? {} : { ttl_seconds: ttlSeconds(ttl, inv.usage) }),
    ...(note === undefined ? {} : { note }),
  });
  inv.print(inv.json ? jsonText(made) : made.token!);
}

async function list(inv: Invocation): Promise<void> {
  const tokens = await inv.client().request<TokenView[]>("GET", "/api/admin/tokens");
  if (inv.json) return inv.print(jsonText(tokens));
  inv.print(table(
    ["ID", "ROLE", "AGENT", "STATUS", "EXPIRES", "USED BY", "NOTE"],
    tokens.map((t) => [t.id, t.role, t.agent_id, t.status, t.expires_at, t.used_by, t.note]),
    "no enrollment tokens",
  ));
}

async function revoke(inv: Invocation): Promise<void> {
  const id = inv.positionals[0]!;
  const done = await inv.client().request("DELETE", `/api/admin/tokens/${encodeURIComponent(id)}`);
  inv.print(inv.json ? jsonText(done) : `revoked enrollment token ${id}`);
}

/** The `tokens` group. */
export const tokensGroup: Group = {
  name: "tokens",
  summary: "one-time enrollment tokens",
  commands: [
    {
      verb: "create",
      synopsis: "--role connector|tunneler [--id ID] [--ttl 1h] [--note TEXT]",
      summary: "create a token and print it alone (the only time it is shown)",
      optionHelp: [
        "--role ROLE         connector or tunneler (required)",
        "--id ID             the only agent id the token enrolls (required for an allowlisted tunneler)",
        "--ttl DURATION      lifetime, e.g. 30m, 1h (default: the controller's ENROLLMENT_TOKEN_TTL)",
        "--note TEXT         a note shown in the list",
      ],
      options: {
        role: { type: "string" },
        id: { type: "string" },
        ttl: { type: "string" },
        note: { type: "string" },
      },
      run: create,
    },
    { verb: "list", summary: "list tokens (never their secrets)", run: list },
    { verb: "revoke", args: ["ID"], summary: "revoke an unused token", run: revoke },
  ],
};
