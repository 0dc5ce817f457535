/**
 * Real processes: `enroll` on an agent that already stored an identity says so with its SPIFFE ID
 * and expiry and exits 0 without using the token.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { connectorAndTunneler, startCluster } from "./_cluster.ts";

Deno.test("enroll when already enrolled names the identity and exits 0", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const { fwdPort, listenPort } = await connectorAndTunneler(c, "127.0.0.1:9");
    for (
      const [program, env, id] of [
        ["tunneler", c.tunnelerEnv("t1", listenPort, `127.0.0.1:${fwdPort}=127.0.0.1:9`), "tunneler/t1"],
        ["connector", c.connectorEnv("c1", listenPort), "connector/c1"],
      ] as const
    ) {
      const again = c.start(program, ["enroll"], { ...env, ENROLLMENT_TOKEN: "unused-token" });
      assert.deepEqual(await again.exited, 0, again.lines.join("\n"));
      assert.match(
        again.lines.join("\n"),
        new RegExp(
          `^already enrolled as spiffe://postern\\.internal/${id}; certificate valid until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; identity stored in `,
          "m",
        ),
      );
    }
  } finally {
    await c.close();
  }
});
