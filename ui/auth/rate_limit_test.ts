import assert from "node:assert/strict";
import { type Admission, LoginRateLimiter } from "./rate_limit.ts";

function limiter(options: { maxClients?: number } = {}) {
  const clock = { now: 1_000_000 };
  const l = new LoginRateLimiter({
    free: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 8_000,
    forgetAfterMs: 60_000,
    now: () => clock.now,
    ...options,
  });
  return { l, clock };
}

const wait = (a: Admission) => (a.admitted ? 0 : a.retryAfterSeconds);

Deno.test("LoginRateLimiter.admit() lets exactly `free` attempts through a burst from one address", () => {
  const { l } = limiter();
  const results = Array.from({ length: 60 }, () => l.admit("192.0.2.1"));
  assert.deepEqual(results.filter((r) => r.admitted).length, 3);
  assert.deepEqual(results.filter((r) => !r.admitted && r.first).length, 1);
  assert.deepEqual(wait(results[3]!), 1);
});

Deno.test("LoginRateLimiter.admit() doubles the delay per further attempt up to the cap", () => {
  const { l, clock } = limiter();
  for (let i = 0; i < 3; i++) assert.ok(l.admit("a").admitted);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const refused = l.admit("a");
    delays.push(wait(refused));
    clock.now += wait(refused) * 1000;
    assert.ok(l.admit("a").admitted, `attempt after waiting ${delays.at(-1)} s`);
  }
  assert.deepEqual(delays, [1, 2, 4, 8, 8, 8]);
});

Deno.test("LoginRateLimiter never slows one address for another's failures and forgets after success", () => {
  const { l } = limiter();
  for (let i = 0; i < 10; i++) l.admit("attacker");
  assert.ok(!l.admit("attacker").admitted);
  assert.ok(l.admit("operator").admitted);
  l.succeeded("operator");
  assert.deepEqual(l.size, 1);
});

Deno.test("LoginRateLimiter forgets a quiet address and bounds how many it remembers", () => {
  const { l, clock } = limiter({ maxClients: 100 });
  for (let i = 0; i < 3; i++) l.admit("a");
  clock.now += 61_000;
  assert.ok(l.admit("a").admitted, "a quiet address starts afresh");
  for (let i = 0; i < 500; i++) l.admit(`10.0.${i >> 8}.${i & 255}`);
  assert.deepEqual(l.size, 100);
});
