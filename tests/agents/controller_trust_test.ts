/**
 * The agents' side of trust toward the controller, with real agent processes and real TLS:
 * 2.1 (CONTROLLER_CA_PATH names a CA that did not sign the controller), 2.3 (the controller is
 * in another trust domain), 4.2 (a renewal signed by a CA the agent does not trust).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { initCa } from "../../controller/init_ca.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { prepareTunneler, startRenewalStub } from "../support/stub_controller.ts";
import { waitFor } from "../support/wait_for.ts";
import { startCluster } from "./_cluster.ts";

Deno.test("enrollment toward a controller the agent cannot authenticate fails with 2.1 / 2.3 messages, exit 1", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const foreign = await initCa(`${dir.path}/foreign-ca`);
    const cases = [
      {
        extra: { CONTROLLER_CA_PATH: foreign.certPath },
        want: "[2.1] x509: certificate signed by unknown authority",
      },
      { extra: { TRUST_DOMAIN: "other.example" }, want: "[2.3] SPIFFE trust domain mismatch" },
    ];
    for (const program of ["connector", "tunneler"] as const) {
      for (const { extra, want } of cases) {
        const env = program === "connector"
          ? c.connectorEnv("c1", freePort(), extra)
          : c.tunnelerEnv("t1", freePort(), "", extra);
        const p = c.start(program, ["enroll"], { ...env, ENROLLMENT_TOKEN: await c.token(program) });
        assertEquals(await p.exited, 1, p.lines.join("\n"));
        const last = p.lines.at(-1)!;
        ok(last.startsWith(`postern-${program}: ${want}`), `${program} ${JSON.stringify(extra)}: ${last}`);
        ok(last.endsWith("(enrollment failed)"), last);
        // Nothing was stored.
        assertEquals(
          await new IdentityStore(env.CONNECTOR_STATE_DIR ?? env.TUNNELER_STATE_DIR!).exists(),
          false,
        );
      }
    }
  } finally {
    await c.close();
  }
});

Deno.test("a renewal signed by a CA the agent does not trust fails with internal CA mismatch during renewal (4.2); the old certificate is kept", async () => {
  await using dir = await tempDir();
  // The agent trusts CA A; the "controller" serves TLS from A but signs renewals with CA B, the
  // state a stale bundle leaves an agent in when the signing CA changed behind its back.
  const a = await makeTestPki();
  const b = await makeTestPki();
  const stub = await startRenewalStub({ tls: a, signer: b.ca, bundlePem: [b.caPem] });
  const { svid, store, env } = await prepareTunneler(dir.path, a, stub.port, 4_000);
  const certBefore = (await store.load()).svid.certPem;
  const tunneler = startProgram("tunneler", { args: ["run"], env });
  try {
    const line = await tunneler.waitForLine("internal CA mismatch during renewal", 15_000);
    ok(line.includes("certificate renewal failed; keeping the current certificate"), line);
    ok(line.includes(svid.notAfter.toISOString()), `the log says when the certificate expires: ${line}`);
    // Retried with backoff past expiry (4 s): still refused, never a hot loop, still running with
    // the old certificate on disk. The sign that it got past expiry: an attempt after it.
    const failed = () => tunneler.lines.filter((l) => l.includes("certificate renewal failed")).length;
    await waitFor(
      "the certificate to expire",
      () => Promise.resolve(Date.now() > svid.notAfter.getTime() || undefined),
      15_000,
    );
    const atExpiry = failed();
    await waitFor(
      "a renewal attempt after the certificate expired",
      () => Promise.resolve(failed() > atExpiry || undefined),
      15_000,
      100,
      tunneler,
    );
    const failures = failed();
    ok(
      failures >= 2 && failures <= 12,
      `renewal attempts: ${failures} (${stub.renewals()} reached the controller)`,
    );
    assertEquals((await store.load()).svid.certPem, certBefore);
    assertEquals(await store.load().then((s) => s.bundle.fingerprints()), a.bundle.fingerprints());
    assertEquals(await Promise.race([tunneler.exited, Promise.resolve("running")]), "running");
    ok(!tunneler.lines.some((l) => l.includes("certificate renewed")), tunneler.lines.join("\n"));
  } finally {
    await tunneler.stop();
    await stub.close();
  }
});
