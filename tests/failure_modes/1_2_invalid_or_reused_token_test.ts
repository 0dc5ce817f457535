/**
 * Failure mode 1.2: a used, unknown or wrong-role enrollment token. The controller refuses it
 * (`invalid enrollment token`, gRPC PERMISSION_DENIED), the agent exits 3 and writes no
 * identity. Nothing is lost: a refused attempt does not consume a valid token (a connector token
 * tried by a tunneler still enrolls its connector), and an enrolled agent stays connected.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startCluster } from "../agents/_cluster.ts";
import { assertFatalWith, assertLine, runToExit } from "./_symptom.ts";

Deno.test('1.2 a reused, unknown or wrong-role token exits 3 with "[1.2] invalid enrollment token"; a valid token survives a refused attempt', async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const used = await c.token("connector");
    await c.runConnector("c1", freePort(), {}, used);

    const unused = await c.token("connector");
    const attempts = [
      ["reused", c.connectorEnv("c2", freePort(), { ENROLLMENT_TOKEN: used }), "connector"],
      ["unknown", c.connectorEnv("c3", freePort(), { ENROLLMENT_TOKEN: "A".repeat(43) }), "connector"],
      // A connector's token presented by a tunneler: refused, and not consumed.
      ["wrong role", c.tunnelerEnv("t1", freePort(), "", { ENROLLMENT_TOKEN: unused }), "tunneler"],
    ] as const;
    for (const [name, env, role] of attempts) {
      const run = await runToExit(role, ["enroll"], env as Record<string, string>);
      assert.deepEqual(run.code, 3, `${name}: ${run.lines.join("\n")}`);
      const line = assertLine(run.lines, "invalid enrollment token");
      assert.ok(line.startsWith(`postern-${role}: `), line);
      const stateDir = (env as Record<string, string>)[`${role.toUpperCase()}_STATE_DIR`]!;
      assert.ok(!(await Deno.stat(`${stateDir}/credentials.json`).then(() => true, () => false)), name);
    }
    // The enrolled connector was not disturbed by the refusals.
    assert.deepEqual(await c.status("connectors", "c1"), "ONLINE");
    // The token the tunneler tried still enrolls the connector it was made for.
    const later = await runToExit(
      "connector",
      ["enroll"],
      c.connectorEnv("c4", freePort(), { ENROLLMENT_TOKEN: unused }),
    );
    assert.deepEqual(later.code, 0, later.lines.join("\n"));
    assertLine(later.lines, "enrolled as spiffe://postern.internal/connector/c4");

    const reused = await runToExit(
      "connector",
      ["enroll"],
      c.connectorEnv("c5", freePort(), { ENROLLMENT_TOKEN: used }),
    );
    assertFatalWith(reused.lines, "connector", "1.2", "invalid enrollment token");
  } finally {
    await c.close();
  }
});
