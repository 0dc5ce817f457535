/** Real processes: `postern-connector enroll` with a token the controller never issued exits 3 (1.2). */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { startCluster } from "./_cluster.ts";

Deno.test("connector enroll with a bogus token exits 3 with invalid enrollment token", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const refused = c.start("connector", ["enroll"], {
      ...c.connectorEnv("c1", freePort()),
      ENROLLMENT_TOKEN: "not-a-token",
    });
    assert.deepEqual(await refused.exited, 3, refused.lines.join("\n"));
    assert.ok(refused.lines.some((l) => l.includes("invalid enrollment token")), refused.lines.join("\n"));
  } finally {
    await c.close();
  }
});
