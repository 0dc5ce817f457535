/**
 * Attack: a second connector, legitimately enrolled with the same private IP (127.0.0.1), answers
 * where the tunneler expects its connector (here: the tunneler is pointed at the impostor's port,
 * as after an address takeover). Its certificate chains to the CA and holds the dialled IP, and
 * it welcomes the tunneler (allowlist and resource set). The tunneler pins
 * `CONNECTOR_ADDR=c1@…`: it refuses `connector/c2` with a SPIFFE ID mismatch and sends no traffic.
 */
import assert from "node:assert/strict";
import { countingSink, startCluster } from "../agents/_cluster.ts";
import { roundTrip } from "../agents/_fixture.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";

Deno.test("tunneler pinned to connector c1 refuses connector c2 holding the same IP", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  const sink = await countingSink();
  try {
    const resource = `127.0.0.1:${sink.port}`;
    const ports = { c1: freePort(), c2: freePort() };
    for (const id of ["c1", "c2"] as const) {
      await c.runConnector(id, ports[id]);
      for (
        const [path, body] of [["allowlist", { tunnelers: ["t1"] }], ["resources", { resources: [resource] }]]
      ) {
        const r = await c.admin("PUT", `/api/admin/connectors/${id}/${path}`, body);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    }
    const fwdPort = freePort();
    const tunneler = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t1", ports.c2, `127.0.0.1:${fwdPort}=${resource}`, {}, "c1"),
      ENROLLMENT_TOKEN: await c.token("tunneler", "t1"),
    });
    const refused = await tunneler.waitForLine("SPIFFE ID mismatch", 30_000);
    // The failed session's line leads with the failure mode and the refusal itself.
    const expected =
      `[2.3] SPIFFE ID mismatch: expected "spiffe://postern.internal/connector/c1", got "spiffe://postern.internal/connector/c2"`;
    assert.ok(refused.includes(expected), refused);
    // A local connection through the forward is closed without reaching the resource.
    await tunneler.waitForLine("forward listening", 10_000);
    const got = await roundTrip(fwdPort, new TextEncoder().encode("secret")).catch(() => new Uint8Array());
    assert.equal(got.length, 0);
    const tunnelRefused = await tunneler.waitForLine("tunnel refused", 10_000);
    assert.ok(tunnelRefused.includes("SPIFFE ID mismatch"), tunnelRefused);
    assert.equal(sink.received(), 0, "no byte reached the resource through the impostor");
    assert.ok(
      !tunneler.lines.some((l) => l.includes("control-plane stream connected")),
      tunneler.lines.join("\n"),
    );
  } finally {
    await sink.close();
    await c.close();
  }
});
