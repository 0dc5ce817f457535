import assert from "node:assert/strict";
import { makeTestPki } from "../shared/pki/testing.ts";
import { SvidSource } from "../shared/grpc/svid_source.ts";
import { createLogger } from "../shared/log/logger.ts";
import type { OpenedContext } from "./open.ts";
import { keepOwnSvidFresh, OWN_TTL_MS, refreshOwnSvid } from "./own_svid.ts";

const HOUR = 3_600_000;

/** The parts of a controller context the own SVID uses, over a real CA. */
async function context() {
  const pki = await makeTestPki();
  const lines: string[] = [];
  const expiries: Date[] = [];
  const ctx = {
    ca: { signing: pki.ca, bundle: pki.bundle },
    settings: { trustDomain: "postern.internal" },
    log: createLogger({ level: "debug", write: (l) => lines.push(l) }),
    setOwnExpiry: (d: Date) => expiries.push(d),
  } as unknown as OpenedContext;
  return { ctx, lines, expiries, source: new SvidSource(pki.bundle.toPem()) };
}

/** A sleep that records each wait and ends only when aborted (a reissue or stop). */
function recordingSleep() {
  const waits: number[] = [];
  let slept!: () => void;
  let next = new Promise<void>((r) => slept = r);
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      waits.push(ms);
      slept();
      next = new Promise<void>((r) => slept = r);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  return { waits, sleep, nextSleep: () => next };
}

Deno.test("the controller's own SVID renews on the shared schedule and a CA change reissues and reschedules it", async () => {
  const { ctx, lines, expiries, source } = await context();
  let clock = Date.now();
  const issuedAt = clock;
  const first = await refreshOwnSvid(ctx, source, "c0");
  const firstCert = source.svid?.certPem;
  const { waits, sleep, nextSleep } = recordingSleep();
  const sleeping = nextSleep();
  const own = keepOwnSvidFresh(ctx, source, "c0", { validity: first, issuedAt }, {
    now: () => clock,
    sleep,
    random: () => 0,
  });
  await sleeping;
  // Two thirds of the lifetime counted from issuance, not from the back-dated notBefore.
  assert.deepEqual(
    Math.round(waits[0]! / 1000),
    Math.round((first.notAfter.getTime() - issuedAt) * 2 / 3 / 1000),
  );
  assert.deepEqual(Math.abs(waits[0]! - OWN_TTL_MS * 2 / 3) < 2_000, true);

  // Ten hours later the CA changes: reissued at once, and the next renewal counts from the new one.
  clock += 10 * HOUR;
  const rescheduled = nextSleep();
  own.reissue();
  await rescheduled;
  assert.deepEqual(source.svid?.certPem !== firstCert, true);
  assert.deepEqual(expiries.length, 2);
  assert.deepEqual(
    lines.filter((l) => l.includes("reissuing the controller certificate: the CA changed")).length,
    1,
  );
  assert.deepEqual(lines.filter((l) => l.includes("controller certificate renewed")).length, 1);
  // The new certificate was issued at the real time, the clock says ten hours later: the wait
  // counts from the later of the two, so it is two thirds of what remains from the clock.
  const second = expiries[1]!.getTime();
  assert.deepEqual(Math.round(waits[1]! / 1000), Math.round((second - clock) * 2 / 3 / 1000));
  own.stop();
  await own.done;
});
