/**
 * Real processes and real TLS: a tunneler's forward to a resource the connector does not list
 * yet is refused ("resource not allowed"); once the admin API lists it, the same forward carries
 * bytes both ways. With POSTERN_MEASURE=1 it also times a bulk echo (POSTERN_MEASURE_MIB, 256).
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { bulk, roundTrip, roundTripText } from "./_fixture.ts";
import { clusterWithEcho } from "./_cluster.ts";

const enc = new TextEncoder();

Deno.test("a forward is refused until its resource is listed, then carries bytes", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const listenPort = freePort();
  const connector = await c.runConnector("c1", listenPort);
  assert.deepEqual(
    (await c.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] })).status,
    200,
  );
  const fwdPort = freePort();
  const tunneler = c.start("tunneler", ["run"], {
    ...c.tunnelerEnv("t1", listenPort, `127.0.0.1:${fwdPort}=127.0.0.1:${echo.port}`),
    ENROLLMENT_TOKEN: await c.token("tunneler", "t1"),
  });
  await tunneler.waitForLine("control-plane stream connected", 40_000);

  // Resource not allowed yet.
  assert.deepEqual((await roundTrip(fwdPort, enc.encode("x")).catch(() => new Uint8Array())).length, 0);
  await tunneler.waitForLine("resource not allowed");
  assert.deepEqual(
    (await c.admin("PUT", "/api/admin/connectors/c1/resources", { resources: [`127.0.0.1:${echo.port}`] }))
      .status,
    200,
  );
  await connector.waitForLine(/configuration applied.*resources=1/);
  assert.deepEqual(await roundTripText(fwdPort, "ping"), "pingbye");

  if (Deno.env.get("POSTERN_MEASURE") === "1") {
    // POSTERN_MEASURE_MIB (default 256) echoed through the real tunneler and connector processes (echo server drains it back).
    const mib = Number(Deno.env.get("POSTERN_MEASURE_MIB") ?? "256");
    const total = mib * 1024 * 1024;
    const { received, ms } = await bulk(fwdPort, total);
    console.log(
      `${mib} MiB echoed through real tunneler+connector: ${ms.toFixed(0)} ms, ${
        (mib / (ms / 1000)).toFixed(0)
      } MiB/s each way`,
    );
    assert.deepEqual(received, total + 3);
  }
});
