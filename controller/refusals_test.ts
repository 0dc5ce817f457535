import { openKvStore } from "./store/kv_store.ts";
import assert from "node:assert/strict";
import { createLogger } from "../shared/log/logger.ts";
import { Metrics } from "./metrics.ts";
import { RefusalRecorder } from "./refusals.ts";
import { EventLog } from "./registry/events.ts";

async function setup(
  fn: (r: {
    rec: RefusalRecorder;
    lines: string[];
    events: EventLog;
    metrics: Metrics;
    clock: { now: number };
  }) => Promise<void>,
) {
  const kv = await openKvStore(":memory:");
  const lines: string[] = [];
  const clock = { now: 1_800_000_000_000 };
  const events = new EventLog(kv, () => clock.now);
  const metrics = new Metrics();
  const rec = new RefusalRecorder({
    log: createLogger({ format: "json", write: (l) => lines.push(l) }),
    events,
    metrics,
    perSource: { burst: 3, perSecond: 1 },
    global: { burst: 5, perSecond: 100 },
    now: () => clock.now,
  });
  try {
    await fn({ rec, lines, events, metrics, clock });
  } finally {
    await rec.flush();
    await kv.close();
  }
}

const refusal = (source: string) => ({
  source,
  kind: "enrollment.refused",
  logMessage: "enrollment refused",
  reason: "invalid enrollment token",
  fields: { reason: "invalid_token" },
});

Deno.test("RefusalRecorder logs a source's burst, then only counts it until its bucket refills", async () => {
  await setup(async ({ rec, lines, events, metrics, clock }) => {
    for (let i = 0; i < 10; i++) await rec.record(refusal("10.0.0.1"));
    assert.equal(lines.length, 3);
    assert.equal((await events.list()).length, 3);
    assert.equal(metrics.value("postern_refusals_suppressed_total"), 7);
    await rec.record(refusal("10.0.0.2"));
    assert.equal(lines.length, 4, "another source has its own bucket");
    clock.now += 1000;
    await rec.record(refusal("10.0.0.1"));
    assert.equal(lines.length, 5, "one token a second");
    await rec.flush();
    const summary = JSON.parse(lines.at(-1)!);
    assert.equal(summary.msg, "refusals suppressed: their sources exceeded the refusal rate");
    assert.equal(summary.count, 7);
    assert.deepEqual(summary.sources, { "10.0.0.1": 7 });
    const [latest] = await events.list({ kind: "refusals.suppressed" });
    assert.equal(latest?.count, 7);
  });
});

Deno.test("RefusalRecorder bounds all sources together with the global bucket", async () => {
  await setup(async ({ rec, lines }) => {
    for (let i = 0; i < 20; i++) await rec.record(refusal(`10.0.1.${i}`));
    assert.equal(lines.length, 5);
  });
});

Deno.test("RefusalRecorder caps the caller's text in the log line", async () => {
  await setup(async ({ rec, lines }) => {
    await rec.record({ ...refusal("x".repeat(10_000)), reason: "y".repeat(100_000) });
    assert.ok(lines[0]!.length < 1000, `log line of ${lines[0]!.length} characters`);
  });
});

Deno.test("RefusalRecorder.record() leads a failure mode's line with [id], puts failure_mode on line and event, and counts it even when suppressed", async () => {
  await setup(async ({ rec, lines, events, metrics }) => {
    for (let i = 0; i < 5; i++) await rec.record({ ...refusal("10.0.0.9"), failureMode: "1.2" });
    const line = JSON.parse(lines[0]!);
    assert.equal(line.msg, "[1.2] enrollment refused");
    assert.equal(line.failure_mode, "1.2");
    const [event] = await events.list({ kind: "enrollment.refused", limit: 1 });
    assert.equal(event?.failure_mode, "1.2");
    assert.equal(metrics.value("postern_failures_total", { mode: "1.2" }), 5, "3 logged and 2 suppressed");
  });
});
