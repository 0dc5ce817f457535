import assert from "node:assert/strict";
import { FailureModeError } from "../failure_modes/format.ts";
import { createLogger } from "../log/logger.ts";
import { runAgentLoop } from "./agent_loop.ts";

Deno.test("runAgentLoop() logs a failed session of a failure mode led by its id, and others by the session's name", async () => {
  const lines: string[] = [];
  const abort = new AbortController();
  const errors = [
    new FailureModeError("3.3", "tunneler not allowed: connector 127.0.0.1:9443 refused this tunneler"),
    new Error("connection reset"),
  ];
  await runAgentLoop({
    name: "connector session",
    log: createLogger({ write: (l) => lines.push(l), now: () => 0 }),
    signal: abort.signal,
    session: () => {
      const e = errors.shift();
      if (e === undefined) abort.abort();
      return Promise.reject(e ?? new Error("stopped"));
    },
    sleep: () => Promise.resolve(),
  });
  const failed = lines.filter((l) => l.includes(" WARN "));
  assert.deepEqual(failed, [
    '1970-01-01T00:00:00.000Z WARN  [3.3] tunneler not allowed: connector 127.0.0.1:9443 refused this tunneler context="connector session failed" failure_mode=3.3',
    '1970-01-01T00:00:00.000Z WARN  connector session failed error="connection reset"',
  ]);
});
