import assert from "node:assert/strict";
import { bucketEnd, bucketWidthMs, ExpiryLeases } from "./etcd_store_expiry.ts";

Deno.test("bucketWidthMs() is a tenth of the expiry, from 1 s to 1 h", () => {
  assert.deepEqual([300, 30_000, 600_000, 86_400_000 * 30].map(bucketWidthMs), [
    1_000,
    3_000,
    60_000,
    3_600_000,
  ]);
});

Deno.test("bucketEnd() is never before the expiry and at most one bucket after it", () => {
  for (const [now, ttl] of [[1_234, 600_000], [999_999, 300], [5, 86_400_000]] as const) {
    const end = bucketEnd(now, ttl);
    const width = bucketWidthMs(ttl);
    assert.deepEqual(end >= now + ttl && end < now + ttl + width, true, `${now} ${ttl} -> ${end}`);
  }
});

Deno.test("ExpiryLeases grants one lease per bucket, for longer than the bucket lasts", async () => {
  let now = 1_000_000;
  const granted: number[] = [];
  const leases = new ExpiryLeases((ttl) => {
    granted.push(ttl);
    return Promise.resolve(`lease-${granted.length}`);
  }, () => now);
  const ids = [];
  for (let i = 0; i < 10; i++) {
    ids.push(await leases.leaseFor(600_000));
    now += 100;
  }
  assert.deepEqual(new Set(ids).size, 1);
  assert.deepEqual(granted, [Math.ceil((bucketEnd(1_000_000, 600_000) - 1_000_000) / 1_000) + 1]);
  now += 120_000; // a later bucket
  assert.deepEqual(await leases.leaseFor(600_000), "lease-2");
});

Deno.test("ExpiryLeases grants another lease after one was forgotten or failed", async () => {
  let n = 0;
  let fail = true;
  const leases = new ExpiryLeases(() => {
    n++;
    if (fail) return Promise.reject(new Error("etcd down"));
    return Promise.resolve(`lease-${n}`);
  }, () => 0);
  await leases.leaseFor(60_000).catch(() => {});
  fail = false;
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(await leases.leaseFor(60_000), "lease-2");
  leases.forget("lease-2");
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(await leases.leaseFor(60_000), "lease-3");
});
