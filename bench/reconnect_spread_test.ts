import assert from "node:assert/strict";
import { formatSpread, measureReconnectSpread } from "./reconnect_spread.ts";

// Smoke version of the bench: few agents, a short outage, a small backoff; the shape, not the figure.
Deno.test("bench/reconnect_spread.ts: agents reconnect after a controller loss, spread over time with jitter, together without", async () => {
  const backoff = { baseMs: 100, capMs: 2_000 };
  const spread = await measureReconnectSpread({ agents: 40, downMs: 1_500, bucketMs: 100, backoff });
  assert.deepEqual(spread.arrivals.length, 40);
  assert.deepEqual(spread.histogram.reduce((a, b) => a + b, 0), 40);
  assert.ok(spread.attemptsWhileDown >= 40, `attempts while down: ${spread.attemptsWhileDown}`);
  assert.ok(
    spread.peakShare < 0.5,
    `with jitter no 100 ms bucket holds half the agents:\n${formatSpread(spread)}`,
  );
  assert.ok(spread.last - spread.first >= 500, `spread over time:\n${formatSpread(spread)}`);

  const together = await measureReconnectSpread({
    agents: 40,
    downMs: 1_500,
    bucketMs: 100,
    backoff: { ...backoff, random: () => 0.999999 },
  });
  // Without jitter they arrive at once (within one timer turn; a bucket edge may split them).
  assert.ok(
    together.last - together.first < 250,
    `without jitter they arrive at once:\n${formatSpread(together)}`,
  );
  assert.ok(formatSpread(spread).split("\n").length === 2 + spread.histogram.length);
});
