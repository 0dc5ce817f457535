/**
 * Revocation through the admin API, seen by real agents: a revoked tunneler is refused by its
 * connector at once (`tunneler not allowed`) and ends at its next renewal; a revoked connector
 * ends with `identity revoked` (exit 1, a runtime failure) and stays refused when restarted.
 */
import assert from "node:assert/strict";
import { roundTrip, roundTripText } from "./_fixture.ts";
import { clusterWithEcho, connectorAndTunneler } from "./_cluster.ts";

const enc = new TextEncoder();

Deno.test("DELETE of a tunneler gets it refused by its connector; DELETE of a connector ends it with identity revoked, exit 1", async () => {
  await using rig = await clusterWithEcho({ TUNNELER_CERT_TTL: "3s" });
  const { c, echo } = rig;
  const { connector, tunneler, fwdPort, listenPort } = await connectorAndTunneler(
    c,
    `127.0.0.1:${echo.port}`,
  );
  assert.deepEqual(await roundTripText(fwdPort, "hi"), "hibye");

  // Tunneler revoked: the connector refuses its certificates and ends its session.
  assert.deepEqual((await c.admin("DELETE", "/api/admin/tunnelers/t1")).status, 200);
  await connector.waitForLine(/closing sessions of a revoked tunneler certificate.*t1/, 5_000);
  await tunneler.waitForLine(/\[3\.3\] tunneler not allowed: connector .* refused this tunneler/, 10_000);
  assert.deepEqual((await roundTrip(fwdPort, enc.encode("x")).catch(() => new Uint8Array())).length, 0);
  await tunneler.waitForLine(/tunnel refused.*tunneler not allowed/, 5_000);
  assert.deepEqual((await c.admin("GET", "/api/admin/tunnelers/t1")).status, 404);
  // Its next renewal (3 s certificates) is refused and ends it: a runtime failure, exit 1.
  assert.deepEqual(await tunneler.exited, 1, tunneler.lines.join("\n"));
  const last = tunneler.lines.at(-1)!;
  assert.deepEqual(
    last,
    "postern-tunneler: renewal refused (spiffe://postern.internal/tunneler/t1): identity revoked: enroll again with a new token",
  );

  // Connector revoked: the control plane tells it; it ends with exit 1 and says why.
  assert.deepEqual((await c.admin("DELETE", "/api/admin/connectors/c1")).status, 200);
  const revokedAt = Date.now();
  assert.deepEqual(await connector.exited, 1, connector.lines.join("\n"));
  console.log(`connector exited ${Date.now() - revokedAt} ms after DELETE`);
  const line = connector.lines.at(-1)!;
  assert.deepEqual(
    line,
    "postern-connector: identity revoked: spiffe://postern.internal/connector/c1 (revoked by the operator); enroll again with a new token",
  );
  assert.deepEqual((await c.admin("GET", "/api/admin/connectors/c1")).status, 404);

  // Restarted with its stored (revoked) identity: refused again, not a reconnect loop.
  const again = c.start("connector", ["run"], c.connectorEnv("c1", listenPort));
  assert.deepEqual(await again.exited, 1, again.lines.join("\n"));
  assert.deepEqual(
    again.lines.at(-1),
    "postern-connector: control plane refused this connector (spiffe://postern.internal/connector/c1): identity revoked: enroll again with a new token",
  );
  assert.deepEqual(again.lines.filter((l) => l.includes("reconnecting")).length, 0, again.lines.join("\n"));
});
