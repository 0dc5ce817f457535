import assert from "node:assert/strict";
import { FailureModeError } from "../failure_modes/format.ts";
import { logError } from "./log_error.ts";
import { createLogger } from "./logger.ts";

Deno.test("logError() leads with the bracketed id and symptom when the error carries a failure mode", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", write: (l) => lines.push(l), now: () => 0 });
  logError(
    log,
    "warn",
    "certificate renewal failed",
    new FailureModeError("4.2", "internal CA mismatch during renewal: x"),
  );
  logError(log, "warn", "certificate renewal failed", new Error("renewal failed: unavailable"));
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "warn",
    msg: "[4.2] internal CA mismatch during renewal: x",
    context: "certificate renewal failed",
    failure_mode: "4.2",
  });
  assert.deepEqual(JSON.parse(lines[1]!), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "warn",
    msg: "certificate renewal failed",
    error: "renewal failed: unavailable",
  });
});
