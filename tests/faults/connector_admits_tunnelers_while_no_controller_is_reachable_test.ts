/**
 * The outage budget, real processes: the only controller is killed (SIGKILL). The connector keeps
 * admitting tunnelers whose certificates are valid (new tunnels, each a fresh mutual-TLS handshake
 * and admission), and its `status`, `status --json` and /metrics say since when no controller
 * answers and how long its certificate stays valid.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTripText } from "../agents/_fixture.ts";
import { clusterWithEcho, connectorAndTunneler } from "../agents/_cluster.ts";

Deno.test("with no controller reachable the connector admits tunnelers and reports since when and the budget left", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const healthPort = freePort();
  const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`, {
    connectorEnv: { CONNECTOR_HEALTH_ADDR: `127.0.0.1:${healthPort}` },
  });
  await connector.waitForLine(/configuration applied.*resources=1/);
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    const value = new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  await waitFor(
    "the health listener",
    () => metric("postern_connector_certificate_expiry_seconds").catch(() => undefined),
  );
  assert.deepEqual(await metric("postern_connector_controller_unreachable_since_seconds"), 0);
  assert.deepEqual(await metric("postern_connector_outage_budget_seconds"), 0);

  const killedAt = Date.now();
  await c.controller.stop("SIGKILL");
  const since = await waitFor(
    "the connector to see the controller gone",
    async () => (await metric("postern_connector_controller_unreachable_since_seconds")) || undefined,
    15_000,
    100,
    connector,
  );
  assert.ok(since * 1000 >= killedAt - 1_000, `unreachable since ${since}, killed at ${killedAt / 1000}`);
  const expiry = (await metric("postern_connector_certificate_expiry_seconds"))!;
  const budget = (await metric("postern_connector_outage_budget_seconds"))!;
  assert.ok(
    budget > 0 && Math.abs(expiry - Date.now() / 1000 - budget) <= 2,
    `budget ${budget}, expiry ${expiry}`,
  );

  // New tunnels are admitted while no controller answers.
  for (const word of ["one", "two", "three"]) {
    assert.deepEqual(await roundTripText(fwdPort, word), `${word}bye`);
  }

  await waitFor(
    "status.json to carry the outage",
    async () => {
      const st = c.start("connector", ["status", "--json"], c.connectorEnv("c1", listenPort));
      assert.equal(await st.exited, 0, st.lines.join("\n"));
      const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
      return report.outage;
    },
    10_000,
    500,
  ).then((outage) => {
    assert.deepEqual(Math.floor(Date.parse(outage.controller_unreachable_since) / 1000), since);
    assert.ok(outage.budget_left_s > 0, JSON.stringify(outage));
  });
  const text = c.start("connector", ["status"], c.connectorEnv("c1", listenPort));
  assert.deepEqual(await text.exited, 0);
  const line = text.lines.find((l) => l.startsWith("controller:")) ?? text.lines.join("\n");
  assert.ok(
    /^controller: +unreachable since \S+ \(\d+ s\); outage budget \d+ s left \(the certificate expires at \S+\)$/
      .test(line),
    line,
  );
});
