/**
 * Real processes: the one version of shared/version.ts is what every program's `--version` prints
 * and what the admin API lists for a connector (sent at enrollment and in its heartbeats).
 */
import assert from "node:assert/strict";
import { VERSION } from "../../shared/version.ts";
import { startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "./_cluster.ts";

Deno.test("--version of every program and the admin API's connector version are shared/version.ts", async () => {
  for (const program of ["controller", "connector", "tunneler"]) {
    const p = startProgram(program, { args: ["--version"] });
    assert.deepEqual(await p.exited, 0, p.lines.join("\n"));
    assert.ok(p.lines.includes(`postern-${program} ${VERSION}`), p.lines.join("\n"));
  }
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    await connectorAndTunneler(c, "127.0.0.1:9");
    const c1 = await waitFor("c1 ONLINE", async () => {
      const body = (await c.admin("GET", "/api/admin/connectors/c1")).body;
      return body?.status === "ONLINE" ? body : undefined;
    });
    assert.deepEqual(c1.version, VERSION);
  } finally {
    await c.close();
  }
});
