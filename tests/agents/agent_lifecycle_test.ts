/**
 * Operating the agents as real processes: `enroll` with an identity already stored, SIGHUP
 * reloads (a corrupt certificate keeps the old identity), and the tunneler going OFFLINE after
 * SIGTERM (exit 0) and ONLINE again after it returns without a token (3.2 from its side; the
 * connector's OFFLINE/ONLINE is covered by tests/e2e/demo_topology_test.ts).
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { echoServer, roundTrip } from "./_fixture.ts";
import { connectorAndTunneler, startCluster } from "./_cluster.ts";
import { waitFor } from "../support/wait_for.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

Deno.test("agents: enroll when already enrolled, SIGHUP reloads, tunneler OFFLINE after SIGTERM and ONLINE after it returns", async () => {
  await using dir = await tempDir();
  const echo = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const { connector, tunneler, fwdPort, listenPort } = await connectorAndTunneler(
      c,
      `127.0.0.1:${echo.port}`,
    );
    const tunnelerEnv = c.tunnelerEnv("t1", listenPort, `127.0.0.1:${fwdPort}=127.0.0.1:${echo.port}`);

    // enroll with an identity stored: says so with the SPIFFE ID and expiry, exit 0, no token used.
    for (
      const [program, env, id] of [
        ["tunneler", tunnelerEnv, "tunneler/t1"],
        ["connector", c.connectorEnv("c1", listenPort), "connector/c1"],
      ] as const
    ) {
      const again = c.start(program, ["enroll"], { ...env, ENROLLMENT_TOKEN: "unused-token" });
      assertEquals(await again.exited, 0, again.lines.join("\n"));
      match(
        again.lines.join("\n"),
        new RegExp(
          `^already enrolled as spiffe://postern\\.internal/${id}; certificate valid until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; identity stored in `,
          "m",
        ),
      );
    }

    // SIGHUP with a corrupt certificate in credentials.json: the connector logs why and keeps its identity.
    const credsPath = `${dir.path}/connector-c1/credentials.json`;
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
    ok(failed.includes("connector-c1"), failed);
    assertEquals(dec.decode(await roundTrip(fwdPort, enc.encode("kept"))), "keptbye");
    assertEquals(await c.status("connectors", "c1"), "ONLINE");
    // Another agent's identity file: refused too (it must stay the same SPIFFE ID).
    await Deno.copyFile(`${dir.path}/tunneler-t1/credentials.json`, credsPath);
    Deno.kill(connector.pid, "SIGHUP");
    await connector.waitForLine(/identity reload failed.*tunneler\/t1.*expected.*connector\/c1/, 10_000);
    // The file repaired: the next SIGHUP loads it.
    await Deno.writeTextFile(credsPath, good);
    Deno.kill(connector.pid, "SIGHUP");
    await connector.waitForLine("identity reloaded from disk", 10_000);
    Deno.kill(tunneler.pid, "SIGHUP");
    await tunneler.waitForLine("identity reloaded from disk", 10_000);
    assertEquals(dec.decode(await roundTrip(fwdPort, enc.encode("reloaded"))), "reloadedbye");

    // Tunneler stops: exit 0, OFFLINE after OFFLINE_AFTER (3 s), an event says so.
    await waitFor("t1 ONLINE", async () => (await c.status("tunnelers", "t1")) === "ONLINE" || undefined);
    assertEquals(await tunneler.stop(), 0);
    ok(tunneler.lines.some((l) => l.includes("stopping: draining open connections")));
    const stoppedAt = Date.now();
    await waitFor(
      "t1 OFFLINE",
      async () => (await c.status("tunnelers", "t1")) === "OFFLINE" || undefined,
      10_000,
    );
    ok(Date.now() - stoppedAt < 8_000, `OFFLINE after ${Date.now() - stoppedAt} ms`);
    const events = (await c.admin("GET", "/api/admin/events?kind=tunneler.offline")).body.events;
    assertEquals(events.length, 1, JSON.stringify(events));

    // It returns without a token: stored identity, ONLINE again, its forward works.
    const back = c.start("tunneler", ["run"], tunnelerEnv);
    await back.waitForLine("control-plane stream connected", 20_000);
    ok(!back.lines.some((l) => l.includes("enrolling")), back.lines.join("\n"));
    await waitFor(
      "t1 ONLINE again",
      async () => (await c.status("tunnelers", "t1")) === "ONLINE" || undefined,
    );
    assertEquals(dec.decode(await roundTrip(fwdPort, enc.encode("back"))), "backbye");
    assertEquals((await c.admin("GET", "/api/admin/events?kind=tunneler.online")).body.events.length, 2);
  } finally {
    await c.close();
    await echo.close();
  }
});
