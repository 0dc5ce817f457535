/**
 * Failure mode 3.3: an enrolled tunneler that the controller has not allowed on a connector.
 * The connector refuses it (`tunneler not allowed`, logged with the id), no byte reaches the
 * resource, and the allowed tunneler's session is not disturbed. Nothing is lost: once the
 * operator allows it (PUT allowlist), the same tunneler gets through without re-enrolling.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, countingSink, startCluster } from "../agents/_cluster.ts";
import { roundTrip } from "../agents/_fixture.ts";
import { assertSymptom, doctorJson, failed, passed } from "./_symptom.ts";

Deno.test('3.3 a tunneler not on the allowlist is refused with "[3.3] tunneler not allowed"; allowing it lets it through', async () => {
  await using dir = await tempDir();
  const sink = await countingSink();
  const c = await startCluster(dir.path);
  try {
    const resource = `127.0.0.1:${sink.port}`;
    const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, resource);
    const ping = new TextEncoder().encode("ping");
    await roundTrip(fwdPort, ping);
    await waitFor("t1's bytes to arrive", () => Promise.resolve(sink.received() >= 4 || undefined), 10_000);

    const fwd2 = freePort();
    const t2 = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t2", listenPort, `127.0.0.1:${fwd2}=${resource}`),
      ENROLLMENT_TOKEN: await c.token("tunneler", "t2"),
    });
    await t2.waitForLine("forward listening", 20_000);
    const before = sink.received();
    const got = await roundTrip(fwd2, new TextEncoder().encode("secret")).catch(() => new Uint8Array());
    assert.deepEqual(got.length, 0);
    const tunnelerLine = await t2.waitForLine("tunneler not allowed", 10_000);
    await connector.waitForLine("tunneler not allowed", 10_000);
    assert.deepEqual(sink.received(), before, "no byte of t2 reached the resource");
    // doctor finds it before anyone tries: t2's stored identity is not admitted.
    const t2Env = c.tunnelerEnv("t2", listenPort, "");
    const refused = await doctorJson("tunneler", t2Env);
    assert.deepEqual(refused.code, 1);
    const f = failed(refused.findings, "3.3");
    assert.ok(f.what.includes('tunneler not allowed: "t2"'), f.what);
    assert.ok(f.remedy.includes("connectors allowlist c1 --add t2"), f.remedy);
    // t1 is not disturbed.
    await roundTrip(fwdPort, ping);
    await waitFor(
      "t1's bytes to arrive again",
      () => Promise.resolve(sink.received() >= before + 4 || undefined),
      10_000,
    );

    // Allowed now: the same enrolled t2 gets through.
    const r = await c.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1", "t2"] });
    assert.deepEqual(r.status, 200);
    const after = sink.received();
    await waitFor(
      "t2 to be admitted",
      async () => {
        await roundTrip(fwd2, new TextEncoder().encode("hello")).catch(() => undefined);
        return sink.received() >= after + 5 || undefined;
      },
      15_000,
      300,
    );

    passed((await doctorJson("tunneler", t2Env)).findings, "3.3");
    assert.ok(tunnelerLine.includes("tunneler not allowed"), tunnelerLine);
    assertSymptom(connector.lines, "3.3", "tunneler not allowed");
    assertSymptom(t2.lines, "3.3", "tunneler not allowed");
  } finally {
    await c.close();
    await sink.close();
  }
});
