/**
 * Real processes: SIGHUP reloads an agent's identity from credentials.json. A corrupt certificate
 * or another agent's identity is refused with a log line and the current identity kept (the
 * forward keeps working); the repaired file loads on the next SIGHUP.
 */
import assert from "node:assert/strict";
import { roundTripText } from "./_fixture.ts";
import { clusterWithEcho, connectorAndTunneler } from "./_cluster.ts";

Deno.test("SIGHUP keeps the identity when credentials.json is corrupt or another agent's, loads it when repaired", async () => {
  await using rig = await clusterWithEcho();
  const { c, dir, echo } = rig;
  const { connector, tunneler, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
  const credsPath = `${dir}/connector-c1/credentials.json`;
  const good = await Deno.readTextFile(credsPath);
  await Deno.writeTextFile(
    credsPath,
    JSON.stringify({
      ...JSON.parse(good),
      cert_pem: "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
    }),
  );
  Deno.kill(connector.pid, "SIGHUP");
  const failed = await connector.waitForLine(
    "identity reload failed; keeping the current identity",
    10_000,
  );
  assert.ok(failed.includes("connector-c1"), failed);
  assert.deepEqual(await roundTripText(fwdPort, "kept"), "keptbye");
  assert.deepEqual(await c.status("connectors", "c1"), "ONLINE");
  // Another agent's identity file: refused too (it must stay the same SPIFFE ID).
  await Deno.copyFile(`${dir}/tunneler-t1/credentials.json`, credsPath);
  Deno.kill(connector.pid, "SIGHUP");
  await connector.waitForLine(/identity reload failed.*tunneler\/t1.*expected.*connector\/c1/, 10_000);
  // The file repaired: the next SIGHUP loads it.
  await Deno.writeTextFile(credsPath, good);
  Deno.kill(connector.pid, "SIGHUP");
  await connector.waitForLine("identity reloaded from disk", 10_000);
  Deno.kill(tunneler.pid, "SIGHUP");
  await tunneler.waitForLine("identity reloaded from disk", 10_000);
  assert.deepEqual(await roundTripText(fwdPort, "reloaded"), "reloadedbye");
});
