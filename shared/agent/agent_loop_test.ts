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

Deno.test("runAgentLoop() retries at once when wake fires during the backoff (renewed credentials)", async () => {
  const abort = new AbortController();
  let wakeListener: (() => void) | undefined;
  let attempts = 0;
  const started = Date.now();
  await runAgentLoop({
    name: "control-plane stream",
    log: createLogger({ write: () => {}, now: () => 0 }),
    signal: abort.signal,
    backoff: { baseMs: 60_000, capMs: 60_000, random: () => 0.99 },
    wake: (listener) => {
      wakeListener = listener;
      return () => (wakeListener = undefined);
    },
    session: () => {
      attempts++;
      if (attempts === 1) setTimeout(() => wakeListener?.(), 10);
      else abort.abort();
      return Promise.reject(new Error("refused"));
    },
  });
  assert.equal(attempts, 2);
  assert.ok(Date.now() - started < 10_000, "the minute-long backoff was cut short");
  assert.equal(wakeListener, undefined, "unsubscribed after the wait");
});
