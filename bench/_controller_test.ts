import assert from "node:assert/strict";
import { type GcEvent, parseTraceGc, placeGcEvents } from "./_controller.ts";

Deno.test("parseTraceGc() reads a scavenge and an incremental mark-compact as --trace-gc prints them, nothing else", () => {
  assert.deepEqual(
    parseTraceGc(
      "[16160:0x56469556c000]   233003 ms: Incremental Mark-Compact 281.1 (342.8) -> 225.6 (342.1) MB, pooled: 0.0 MB, 69.56 / 0.00 ms (+ 476.7 ms in 89 steps since start of marking, biggest step 10.2 ms, walltime since start of marking 651 ms) (average mu = 0.981, current mu = 0.981) finalize incremental marking via stack guard; GC in old space requested",
      1,
    ),
    {
      at: 1,
      isolateMs: 233003,
      isolate: "0x56469556c000",
      kind: "Incremental Mark-Compact",
      beforeMb: 281.1,
      afterMb: 225.6,
      pauseMs: 69.56,
      stepsMs: 476.7,
      walltimeMs: 651,
    },
  );
  assert.deepEqual(
    parseTraceGc(
      "[16160:0x56469556c000]   233580 ms: Scavenge 257.9 (342.1) -> 227.5 (342.1) MB, pooled: 0.0 MB, 17.01 / 0.00 ms (average mu = 0.981, current mu = 0.981) allocation failure;",
      2,
    ),
    {
      at: 2,
      isolateMs: 233580,
      isolate: "0x56469556c000",
      kind: "Scavenge",
      beforeMb: 257.9,
      afterMb: 227.5,
      pauseMs: 17.01,
      stepsMs: 0,
      walltimeMs: 0,
    },
  );
  assert.equal(parseTraceGc("2026-12-01T17:00:00.000Z WARN  event loop stalled stall_ms=300", 3), undefined);
});

Deno.test("placeGcEvents() places each collection by its isolate's clock, offset by the line that arrived soonest", () => {
  const e = (isolate: string, isolateMs: number, at: number) =>
    ({
      isolate,
      isolateMs,
      at,
      kind: "Scavenge",
      beforeMb: 1,
      afterMb: 1,
      pauseMs: 1,
      stepsMs: 0,
      walltimeMs: 0,
    }) as GcEvent;
  // Two lines held in the pipe's buffer until the third filled it: all three arrived at 10,000.
  const placed = placeGcEvents([
    e("0xa", 1000, 10_000),
    e("0xa", 5000, 10_000),
    e("0xa", 9000, 10_000),
    e("0xb", 10, 500),
  ]);
  assert.deepEqual(placed.map((x) => x.at), [2000, 6000, 10_000, 500]);
});
