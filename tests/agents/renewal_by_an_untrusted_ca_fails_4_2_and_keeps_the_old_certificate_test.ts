/**
 * Failure mode 4.2 with a real tunneler process over real mTLS: a controller stand-in serves TLS
 * from the CA the agent trusts but signs renewals with another one (the state a stale bundle
 * leaves an agent in when the signing CA changed behind its back). Every attempt fails with
 * `internal CA mismatch during renewal`, also after the certificate expired (the 4.1 wrapper of
 * shared/agent/renewal.ts must keep an error's own failure mode), with backoff, never a hot loop,
 * and the old certificate stays on disk and in use.
 *
 * The test reads the tunneler's JSON log lines: the sign that the agent got past expiry is a
 * failure line whose own timestamp is at or after the certificate's notAfter (waiting a fixed time
 * after expiry raced the scheduler on a loaded machine).
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";
import { prepareTunneler, startRenewalStub } from "../support/stub_controller.ts";
import { waitFor } from "../support/wait_for.ts";

/** The context of every failed renewal's log line (shared/agent/renewal.ts). */
const FAILED = "certificate renewal failed; keeping the current certificate";

/** One failed renewal, as the tunneler logged it. */
interface Failure {
  at: number;
  msg: string;
  failureMode: string;
  expiresAt: string;
  retryInMs: number;
}

function failures(lines: string[]): Failure[] {
  const out: Failure[] = [];
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line);
    if (entry.context !== FAILED) continue;
    out.push({
      at: Date.parse(entry.ts),
      msg: String(entry.msg),
      failureMode: String(entry.failure_mode),
      expiresAt: String(entry.expires_at),
      retryInMs: Number(entry.retry_in_ms),
    });
  }
  return out;
}

Deno.test("a renewal signed by a CA the agent does not trust fails with internal CA mismatch during renewal (4.2), before and after expiry; the old certificate is kept", async () => {
  await using dir = await tempDir();
  const a = await makeTestPki();
  const b = await makeTestPki();
  const stub = await startRenewalStub({ tls: a, signer: b.ca, bundlePem: [b.caPem] });
  // 8 s: the first attempt (at two thirds) comes after the tunneler has started, even when a
  // loaded machine takes seconds to start it.
  const { svid, store, env } = await prepareTunneler(dir.path, a, stub.port, 8_000);
  const certBefore = (await store.load()).svid.certPem;
  const expiry = svid.notAfter.getTime();
  const tunneler = startProgram("tunneler", { args: ["run"], env: { ...env, LOG_FORMAT: "json" } });
  try {
    // Before expiry every retry waits at most a quarter of the time left, so the first attempt
    // logged at or after expiry follows it closely; 45 s holds on a loaded 2-core machine.
    const late = await waitFor(
      "a failed renewal logged after the certificate expired, backing off at least 1 s",
      () => Promise.resolve(failures(tunneler.lines).find((f) => f.at >= expiry && f.retryInMs >= 1_000)),
      45_000,
      100,
      tunneler,
    );
    const all = failures(tunneler.lines);
    assert.ok(all.length >= 2, `retried: ${all.length} failures (${stub.renewals()} reached the controller)`);
    for (const f of all) {
      // The CA mismatch keeps its own id after expiry too: it is not reported as 4.1.
      assert.deepEqual(f.failureMode, "4.2", f.msg);
      assert.ok(f.msg.startsWith("[4.2] internal CA mismatch during renewal: "), f.msg);
      assert.deepEqual(f.expiresAt, svid.notAfter.toISOString(), "the log says when the certificate expires");
      // Never a hot loop: 50 ms at least before expiry, the capped backoff from 1 s after it.
      assert.ok(f.retryInMs >= 50, `retry_in_ms ${f.retryInMs}`);
    }
    assert.ok(all.some((f) => f.at < expiry), "an attempt before expiry failed too");
    assert.ok(late.retryInMs <= 30_000, `backoff capped at 30 s: ${late.retryInMs}`);
    assert.deepEqual((await store.load()).svid.certPem, certBefore);
    assert.deepEqual(await store.load().then((s) => s.bundle.fingerprints()), a.bundle.fingerprints());
    assert.deepEqual(await Promise.race([tunneler.exited, Promise.resolve("running")]), "running");
    assert.ok(!tunneler.lines.some((l) => l.includes("certificate renewed")), tunneler.lines.join("\n"));
  } finally {
    await tunneler.stop();
    await stub.close();
  }
});
