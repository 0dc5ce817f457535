import assert from "node:assert/strict";
import { ConfigError } from "../config/config_error.ts";
import { fatalLine, writeFatal } from "./run_main.ts";

Deno.test("fatalLine() names the program, then the bracketed id, then the message on one line", () => {
  const e = new ConfigError("failed to read controller CA: a\nb", { failureMode: "1.3" });
  assert.equal(
    fatalLine("postern-connector", e),
    "postern-connector: [1.3] failed to read controller CA: a b",
  );
  assert.equal(fatalLine("postern-ui", new Error("boom")), "postern-ui: boom");
});

Deno.test("writeFatal() writes the line as is in text, as a JSON log line with failure_mode in json", () => {
  const lines: string[] = [];
  writeFatal("postern-connector: [1.3] x", "1.3", "text", (l) => lines.push(l));
  writeFatal("postern-connector: [1.3] x", "1.3", "json", (l) => lines.push(l));
  assert.equal(lines[0], "postern-connector: [1.3] x");
  const json = JSON.parse(lines[1]!);
  assert.deepEqual([json.level, json.msg, json.failure_mode], ["error", "postern-connector: [1.3] x", "1.3"]);
});
