import assert from "node:assert/strict";
import { FailureModeError } from "../failure_modes/format.ts";
import { createLogger, loggerOptionsFromEnv } from "./logger.ts";

Deno.test("createLogger() writes JSON lines with ts, level and msg when format is json", () => {
  const lines: string[] = [];
  const log = createLogger({
    format: "json",
    write: (l) => lines.push(l),
    now: () => 0,
  });
  log.with({ role: "connector" }).info("control-plane stream connected", {
    attempt: 2,
  });
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "control-plane stream connected",
    role: "connector",
    attempt: 2,
  });
});

Deno.test("createLogger() drops lines below the level and writes readable text by default", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "warn",
    write: (l) => lines.push(l),
    now: () => 0,
  });
  log.info("hidden");
  log.warn("renewal failed", {
    error: new Error("x509: certificate signed by unknown authority"),
  });
  assert.deepEqual(lines, [
    '1970-01-01T00:00:00.000Z WARN  renewal failed error="x509: certificate signed by unknown authority"',
  ]);
});

Deno.test("loggerOptionsFromEnv() reads LOG_LEVEL and LOG_FORMAT", () => {
  assert.deepEqual(
    loggerOptionsFromEnv({ LOG_LEVEL: "DEBUG", LOG_FORMAT: "json" }),
    { level: "debug", format: "json" },
  );
  assert.deepEqual(loggerOptionsFromEnv({ LOG_LEVEL: "loud" }), {
    level: "info",
    format: "text",
  });
});

Deno.test("createLogger() adds failure_mode from an error that carries one, in JSON and in text", () => {
  const lines: string[] = [];
  const error = new FailureModeError("4.2", "internal CA mismatch during renewal: x");
  createLogger({ format: "json", write: (l) => lines.push(l), now: () => 0 }).warn(
    "[4.2] internal CA mismatch during renewal: x",
    { error },
  );
  createLogger({ write: (l) => lines.push(l), now: () => 0 }).warn("renewal failed", { error });
  assert.equal(JSON.parse(lines[0]!).failure_mode, "4.2");
  assert.equal(
    lines[1],
    '1970-01-01T00:00:00.000Z WARN  renewal failed error="internal CA mismatch during renewal: x" failure_mode=4.2',
  );
});

Deno.test("createLogger() keeps a failure_mode the call sets itself", () => {
  const lines: string[] = [];
  createLogger({ write: (l) => lines.push(l), now: () => 0 }).info("control-plane stream connected", {
    failure_mode: "3.1",
  });
  assert.equal(lines[0], "1970-01-01T00:00:00.000Z INFO  control-plane stream connected failure_mode=3.1");
});
