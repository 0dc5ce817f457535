/**
 * `postern-controller <group> <command> ...`: the admin commands over the admin API. Exit 0 on
 * success, 1 when the API refuses or cannot be reached (its message on stderr), 2 on a usage or
 * configuration error.
 * @module
 */
import type { AdminClient } from "../../shared/admin/client.ts";
import type { Env } from "../../shared/config/env.ts";
import { connectorsGroup, tunnelersGroup } from "./agents.ts";
import { groupsGroup, policiesGroup, resourcesGroup } from "./access.ts";
import { apiKeysGroup } from "./api_keys.ts";
import { caGroup } from "./ca.ts";
import { type Group, parseCommand, UsageError } from "./command.ts";
import { adminClientFromEnv } from "./config.ts";
import { eventsGroup } from "./events.ts";
import { tokensGroup } from "./tokens.ts";

/** The command groups, in the order the help lists them. */
export const GROUPS: readonly Group[] = [
  tokensGroup,
  connectorsGroup,
  tunnelersGroup,
  resourcesGroup,
  groupsGroup,
  policiesGroup,
  eventsGroup,
  caGroup,
  apiKeysGroup,
];

/** Whether `word` names an admin command group. */
export function isAdminGroup(word: string | undefined): boolean {
  return GROUPS.some((g) => g.name === word);
}

/** The lines the program's --help shows for the admin commands. */
export function adminHelp(): string {
  return GROUPS.map((g) => `  postern-controller ${g.name.padEnd(17)} ${g.summary}`).join("\n");
}

/** Runs `args` (starting with the group name); returns the exit code. */
export async function runAdmin(args: string[], env: Env): Promise<number> {
  const group = GROUPS.find((g) => g.name === args[0]);
  if (group === undefined) throw new TypeError(`not an admin command: "${args[0]}"`);
  let client: AdminClient | undefined;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const parsed = parseCommand(group, args.slice(1));
    if ("help" in parsed) {
      console.log(parsed.help);
      return 0;
    }
    await parsed.command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      usage: parsed.usage,
      json: parsed.values.json === true,
      client: () => client ??= adminClientFromEnv(env),
      print: (text) => console.log(text),
      signal: stop.signal,
    });
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`postern-controller: ${e.message}\n\n${e.usage}`);
    return 2;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
