import assert from "node:assert/strict";
import { Backoff } from "../../shared/agent/backoff.ts";
import { NonRetryableError, runAgentLoop } from "../../shared/agent/agent_loop.ts";
import { renewalTime } from "../../shared/renewal/schedule.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { memLog } from "./_fixture.ts";

Deno.test("Backoff.next() doubles its ceiling up to 30 s and reset() starts over", () => {
  const b = new Backoff({ random: () => 0.999999 });
  const seen = Array.from({ length: 10 }, () => b.next());
  assert.deepEqual(seen.slice(0, 3), [499, 999, 1999]);
  assert.deepEqual(Math.max(...seen), 29999);
  b.reset();
  assert.deepEqual(b.next(), 499);
});

Deno.test("runAgentLoop() resets the backoff on a received message and stops on a non-retryable error", async () => {
  const sleeps: number[] = [];
  let n = 0;
  const { log, lines } = memLog();
  await assert.rejects(
    runAgentLoop({
      name: "test stream",
      signal: new AbortController().signal,
      log,
      backoff: { random: () => 0.999999 },
      sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
      session: (ctx) => {
        n++;
        if (n === 3) ctx.received();
        if (n === 5) return Promise.reject(new NonRetryableError("identity revoked: test"));
        return Promise.reject(new Error("down"));
      },
    }),
    /identity revoked/,
  );
  assert.deepEqual(sleeps, [499, 999, 499, 999]);
  assert.ok(lines.some((l) => l.includes("test stream failed")));
});

Deno.test("renewalTime() is once less than a third of the lifetime remains, minus at most 5 % jitter", () => {
  const svid = { notBefore: new Date(0), notAfter: new Date(3_000_000) };
  assert.deepEqual(renewalTime(svid, () => 0), 2_000_000);
  assert.deepEqual(renewalTime(svid, () => 1), 2_000_000 - 150_000);
});

Deno.test("renewalTime() counts a short certificate's lifetime from issuance, not from its back-dated notBefore (4.1)", () => {
  // Issued at 60 s for 6 s, notBefore back-dated to 0 by the controller's clock-skew allowance.
  const svid = { notBefore: new Date(0), notAfter: new Date(66_000) };
  assert.deepEqual(renewalTime(svid, () => 0, 60_000), 64_000);
  // Without the issuance time, the back-dated start would put renewal 16 s before issuance.
  assert.deepEqual(renewalTime(svid, () => 0), 44_000);
  // An issuance time outside the validity is clamped.
  assert.deepEqual(renewalTime(svid, () => 0, -5), 44_000);
});

Deno.test("IdentityStore save() then load() round-trips with the key at mode 0600", async () => {
  await using dir = await tempDir();
  const pki = await makeTestPki();
  const svid = await pki.issue("connector", "c1", { ipSans: ["10.0.0.5"] });
  const store = new IdentityStore(`${dir.path}/state`);
  assert.deepEqual(await store.exists(), false);
  await store.save({
    svid,
    bundle: pki.bundle,
    meta: {
      spiffe_id: svid.spiffeId.uri,
      role: "connector",
      id: "c1",
      trust_domain: "postern.internal",
      enrolled_at: "x",
    },
  });
  assert.deepEqual((await Deno.stat(store.path)).mode! & 0o777, 0o600);
  const back = await store.load();
  assert.deepEqual(back.svid.spiffeId.uri, svid.spiffeId.uri);
  assert.deepEqual(back.bundle.fingerprints(), pki.bundle.fingerprints());
  // A key that does not match the certificate is refused.
  const other = await pki.issue("connector", "c1");
  const stored = JSON.parse(await Deno.readTextFile(store.path));
  await Deno.writeTextFile(store.path, JSON.stringify({ ...stored, key_pem: other.keyPem }));
  await assert.rejects(store.load(), /do not match/);
});
