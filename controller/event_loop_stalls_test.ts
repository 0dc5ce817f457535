import assert from "node:assert/strict";
import { Metrics } from "./metrics.ts";
import { watchEventLoop } from "./event_loop_stalls.ts";
import { createLogger } from "../shared/log/logger.ts";

Deno.test("watchEventLoop() counts a stall over each threshold and keeps the longest of the recent windows", () => {
  let t = 0;
  const metrics = new Metrics();
  const w = watchEventLoop(metrics, { windowMs: 1000, now: () => t });
  try {
    w.record(250);
    assert.equal(metrics.value("postern_event_loop_stalls_total", { over: "0.2" }), 1);
    assert.equal(metrics.value("postern_event_loop_stalls_total", { over: "0.5" }), 0);
    t = 1500; // next window: the 250 ms stall is still among the last two
    w.record(10);
    assert.equal(w.recentMaxSeconds(), 0.25);
    t = 2600; // two windows on: forgotten as recent, kept since start
    w.record(10);
    assert.equal(w.recentMaxSeconds(), 0.01);
    assert.equal(w.maxSeconds(), 0.25);
    assert.match(metrics.render(), /^postern_event_loop_stall_max_seconds\{window="start"\} 0.25$/m);
  } finally {
    w.stop();
  }
});

Deno.test("watchEventLoop() sees a blocked event loop through its timer", async () => {
  const metrics = new Metrics();
  const w = watchEventLoop(metrics, { tickMs: 10 });
  try {
    const until = performance.now() + 150;
    while (performance.now() < until) { /* block the loop */ }
    const by = Date.now() + 2000;
    while (w.maxSeconds() < 0.1 && Date.now() < by) await new Promise((r) => setTimeout(r, 10));
    assert.ok(w.maxSeconds() >= 0.1, `longest stall ${w.maxSeconds()} s`);
    assert.ok(metrics.value("postern_event_loop_stalls_total", { over: "0.1" }) >= 1);
  } finally {
    w.stop();
  }
});

Deno.test("watchEventLoop() logs a stall over 200 ms as one warn line with its length, at most one a second", () => {
  let t = 0;
  const lines: string[] = [];
  const log = createLogger({ level: "warn", write: (l) => lines.push(l), now: () => 0 });
  const w = watchEventLoop(new Metrics(), { now: () => t, log });
  try {
    w.record(200); // at the bound: not over it
    w.record(150);
    assert.deepEqual(lines, []);
    w.record(312.4);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /WARN {2}event loop stalled stall_ms=312 over_ms=200$/);
    t = 500; // within the second: counted, not logged
    w.record(450);
    assert.equal(lines.length, 1);
    t = 1200;
    w.record(250);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /event loop stalled stall_ms=250 over_ms=200 stalls_not_logged=1$/);
  } finally {
    w.stop();
  }
});
