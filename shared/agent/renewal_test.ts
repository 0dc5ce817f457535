import assert from "node:assert/strict";
import { makeTestPki } from "../pki/testing.ts";
import { createLogger } from "../log/logger.ts";
import { AgentCredentials } from "./credentials.ts";
import { runRenewalLoop } from "./renewal.ts";
import { EarlyRenewal } from "../renewal/schedule.ts";
import type { Sleep } from "./agent_loop.ts";

/** A sleep that only ends when its signal aborts (the scheduled renewal is an hour away). */
const forever: Sleep = (_ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });

Deno.test("EarlyRenewal grants at most one request a minute and wakes a sleeping renewal loop", async () => {
  const pki = await makeTestPki();
  const svid = await pki.issue("tunneler", "t1");
  const creds = new AgentCredentials(svid, pki.bundle);
  let clock = 1_000_000;
  const early = new EarlyRenewal(60_000, () => clock);
  let renewals = 0;
  const renewed: (() => void)[] = [];
  const stop = new AbortController();
  const loop = runRenewalLoop({
    creds,
    early,
    renewOnce: () => {
      renewals++;
      for (const r of renewed.splice(0)) r();
      return Promise.resolve({ svid, bundle: pki.bundle });
    },
    persist: () => Promise.resolve(),
    log: createLogger({ write: () => {} }),
    signal: stop.signal,
    sleep: forever,
  });
  const nextRenewal = () => new Promise<void>((r) => renewed.push(r));

  let done = nextRenewal();
  assert.equal(early.request(), true);
  await done;
  assert.equal(renewals, 1);

  clock += 59_999;
  assert.equal(early.request(), false, "within a minute of the last granted request");
  clock += 1;
  done = nextRenewal();
  assert.equal(early.request(), true);
  await done;
  assert.equal(renewals, 2);

  stop.abort();
  await loop;
  assert.equal(renewals, 2);
});

Deno.test("a granted early request cuts the failure backoff short (the controller answers again after expiry)", async () => {
  const pki = await makeTestPki();
  const svid = await pki.issue("connector", "c1");
  const creds = new AgentCredentials(svid, pki.bundle);
  const early = new EarlyRenewal(60_000);
  let attempts = 0;
  const stop = new AbortController();
  let failed!: () => void;
  const firstFailure = new Promise<void>((r) => failed = r);
  const loop = runRenewalLoop({
    creds,
    early,
    // Past expiry: the schedule renews at once, and the failure backoff is the only wait.
    now: () => svid.notAfter.getTime() + 60_000,
    renewOnce: () => {
      attempts++;
      if (attempts === 1) {
        queueMicrotask(failed);
        return Promise.reject(new Error("renewal failed: connect ECONNREFUSED"));
      }
      stop.abort(); // one renewal after the cut-short wait is all this test needs
      return Promise.resolve({ svid, bundle: pki.bundle });
    },
    persist: () => Promise.resolve(),
    log: createLogger({ write: () => {} }),
    signal: stop.signal,
    sleep: forever,
  });
  await firstFailure;
  assert.equal(early.request(), true);
  await loop; // ends only through the second attempt: the backoff sleep itself never ends
  assert.equal(attempts, 2);
});
