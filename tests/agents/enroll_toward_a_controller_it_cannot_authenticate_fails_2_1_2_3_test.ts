/**
 * Enrollment toward a controller the agent cannot authenticate, with real agent processes and
 * real TLS: 2.1 (CONTROLLER_CA_PATH names a CA that did not sign the controller), 2.3 (the
 * controller is in another trust domain). The renewal side (4.2) is
 * renewal_by_an_untrusted_ca_fails_4_2_and_keeps_the_old_certificate_test.ts.
 */
import assert from "node:assert/strict";
import { initCa } from "../../controller/init_ca.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
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
        assert.deepEqual(await p.exited, 1, p.lines.join("\n"));
        const last = p.lines.at(-1)!;
        assert.ok(
          last.startsWith(`postern-${program}: ${want}`),
          `${program} ${JSON.stringify(extra)}: ${last}`,
        );
        assert.ok(last.endsWith("(enrollment failed)"), last);
        // Nothing was stored.
        assert.deepEqual(
          await new IdentityStore(env.CONNECTOR_STATE_DIR ?? env.TUNNELER_STATE_DIR!).exists(),
          false,
        );
      }
    }
  } finally {
    await c.close();
  }
});
