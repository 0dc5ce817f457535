/**
 * The admin commands' small framework: a command is a group and a verb (`tokens create`) with its
 * options (node:util parseArgs, strict), positionals and help; a group lists its commands. A new
 * group (resources, groups, policies) is one more file that exports a {@link Group}.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ConfigError } from "../../shared/config/config_error.ts";
import type { AdminClient } from "../../shared/admin/client.ts";

/** A usage mistake: exit 2, the message and the usage on stderr. */
export class UsageError extends ConfigError {
  override name = "UsageError";
  /** The usage text printed after the message. */
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.usage = usage;
  }
}

/** What a command gets: its parsed input, where to print, and the admin client (made on first use). */
export interface Invocation {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** `--json`: print the API's JSON instead of a table. */
  json: boolean;
  client(): AdminClient;
  /** Prints one line (or block) on stdout. */
  print(text: string): void;
  /** This command's usage, for a UsageError. */
  usage: string;
  /** Aborts when the user interrupts (SIGINT/SIGTERM); long-running commands stop on it. */
  signal: AbortSignal;
}

/** One command: `postern-controller <group> <verb> ...`. */
export interface Command {
  /** The verb; "" for a group that is a command itself (`events`). */
  verb: string;
  /** Positional arguments, in order, by name (`ID`, `FINGERPRINT`). */
  args?: string[];
  /** The synopsis after `postern-controller <group> <verb>`, e.g. `--role connector|tunneler [--id ID]`. */
  synopsis?: string;
  /** What it does, one line. */
  summary: string;
  /** Option help lines, `--name VALUE  what`. */
  optionHelp?: string[];
  options?: ParseArgsOptionsConfig;
  run(inv: Invocation): Promise<void>;
}

/** A command group: `tokens`, `connectors`, … */
export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

const COMMON: ParseArgsOptionsConfig = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** `postern-controller tokens create --role ...`, the synopsis line of one command. */
export function synopsis(group: Group, c: Command): string {
  const words = ["postern-controller", group.name, c.verb, ...(c.args ?? []), c.synopsis ?? ""];
  return words.filter((w) => w !== "").join(" ");
}

/** The help of a group: each command's synopsis and summary. */
export function groupUsage(group: Group): string {
  const lines = [`postern-controller ${group.name}: ${group.summary}`, "", "Usage:"];
  for (const c of group.commands) lines.push(`  ${synopsis(group, c)}`, `      ${c.summary}`);
  lines.push("", `Every command takes --json (print the API's JSON) and --help.`);
  lines.push(`Run "postern-controller ${group.name} <command> --help" for one command's options.`);
  return lines.join("\n");
}

/** The help of one command. */
export function commandUsage(group: Group, c: Command): string {
  const lines = [`Usage: ${synopsis(group, c)} [--json]`, "", c.summary];
  if (c.optionHelp?.length) lines.push("", "Options:", ...c.optionHelp.map((l) => `  ${l}`));
  lines.push("  --json              print the admin API's JSON", "  --help              print this help");
  return lines.join("\n");
}

/** The command `args` name in `group`, or a UsageError. */
function findCommand(group: Group, args: string[]): { command: Command; rest: string[] } {
  const [verb, ...rest] = args;
  const bare = group.commands.find((c) => c.verb === "");
  if (bare && (verb === undefined || verb.startsWith("-"))) return { command: bare, rest: args };
  if (verb === undefined) throw new UsageError(`${group.name} needs a command`, groupUsage(group));
  const command = group.commands.find((c) => c.verb === verb);
  if (command === undefined) {
    if (verb === "--help" || verb === "-h" || verb === "help") return { command: HELP, rest: [] };
    throw new UsageError(`unknown command "${group.name} ${verb}"`, groupUsage(group));
  }
  return { command, rest };
}

const HELP: Command = { verb: "help", summary: "", run: () => Promise.resolve() };

/**
 * Parses `args` (after the group name) into the command and its invocation input; `--help`
 * yields the usage text to print instead.
 */
export function parseCommand(
  group: Group,
  args: string[],
): { help: string } | {
  command: Command;
  values: Invocation["values"];
  positionals: string[];
  usage: string;
} {
  const { command, rest } = findCommand(group, args);
  if (command === HELP) return { help: groupUsage(group) };
  const usage = commandUsage(group, command);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...COMMON, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1), usage);
  }
  if (parsed.values.help) return { help: usage };
  const expected = command.args ?? [];
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`missing ${expected[parsed.positionals.length]}`, usage);
  }
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[expected.length]}"`, usage);
  }
  return { command, values: parsed.values, positionals: parsed.positionals, usage };
}

/** The string value of option `name`, or undefined. */
export function stringOption(inv: Invocation, name: string): string | undefined {
  const v = inv.values[name];
  return typeof v === "string" ? v : undefined;
}

/** The values of a repeatable option `name`. */
export function listOption(inv: Invocation, name: string): string[] {
  const v = inv.values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}
