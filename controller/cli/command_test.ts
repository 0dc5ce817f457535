import assert from "node:assert/strict";
import { type Group, parseCommand, UsageError } from "./command.ts";

const noop = () => Promise.resolve();
const group: Group = {
  name: "things",
  summary: "test things",
  commands: [
    {
      verb: "make",
      summary: "make one",
      synopsis: "--size N",
      options: { size: { type: "string" } },
      run: noop,
    },
    { verb: "drop", args: ["ID"], summary: "drop one", run: noop },
  ],
};

function usageError(f: () => unknown, message: string): void {
  assert.throws(f, (e) => e instanceof UsageError && e.message === message && e.usage.includes("things"));
}

Deno.test("parseCommand() finds the verb, parses options and positionals, and --help anywhere answers help", () => {
  const made = parseCommand(group, ["make", "--size", "3", "--json"]);
  assert.ok("command" in made);
  assert.equal(made.command.verb, "make");
  assert.deepEqual([made.values.size, made.values.json], ["3", true]);
  const dropped = parseCommand(group, ["drop", "x1"]);
  assert.ok("command" in dropped);
  assert.deepEqual(dropped.positionals, ["x1"]);
  for (const args of [["--help"], ["-h"], ["help"]]) {
    const r = parseCommand(group, args);
    assert.ok("help" in r && r.help.startsWith("postern-controller things: test things"), args.join(" "));
  }
  const help = parseCommand(group, ["make", "--help"]);
  assert.ok(
    "help" in help && help.help.startsWith("Usage: postern-controller things make --size N [--json]"),
  );
});

Deno.test("parseCommand() refuses a missing or unknown verb, unknown options and wrong positionals", () => {
  usageError(() => parseCommand(group, []), "things needs a command");
  usageError(() => parseCommand(group, ["melt"]), 'unknown command "things melt"');
  usageError(() => parseCommand(group, ["make", "--colour", "red"]), "unknown option '--colour'");
  usageError(() => parseCommand(group, ["drop"]), "missing ID");
  usageError(() => parseCommand(group, ["drop", "a", "b"]), 'unexpected argument "b"');
  usageError(() => parseCommand(group, ["make", "--size"]), "option '--size <value>' argument missing");
});
