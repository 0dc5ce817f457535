/**
 * Real controller and connector processes over randomised policies: for every tunneler and
 * resource, `GET /api/admin/tunnelers/{id}/access` (and `/resources/{name}/access`) says the
 * tunneler may reach the resource on this connector exactly when the real connector carries a
 * tunnel naming it, and admits the tunneler at all exactly when the view grants it something here.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "../agents/_fixture.ts";
import { put, startCluster } from "../agents/_cluster.ts";
import { echoThrough, tunnelerCreds } from "./_access.ts";
import { waitFor } from "../support/wait_for.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const TUNNELERS = ["t0", "t1", "t2", "t3"];
const RESOURCES = ["r0", "r1", "r2"];

Deno.test("the access views match what a real connector admits, over random policies", async () => {
  await using dir = await tempDir();
  const echoes = await Promise.all(RESOURCES.map(() => echoServer()));
  const c = await startCluster(dir.path);
  try {
    const port = freePort();
    await c.runConnector("c1", port);
    // r2 is served by another connector: granting it must not open it here.
    for (const [i, name] of RESOURCES.entries()) {
      await put(c, `/api/admin/resources/${name}`, {
        address: `127.0.0.1:${echoes[i]!.port}`,
        connectors: [name === "r2" ? "c2" : "c1"],
      });
    }
    const creds = new Map(
      await Promise.all(TUNNELERS.map(async (t) => [t, await tunnelerCreds(c, t)] as const)),
    );
    const probe = await tunnelerCreds(c, "probe");
    const seen = new Set<string>();
    for (let round = 1; round <= 4; round++) {
      const r = rng(round * 7919);
      const some = <T>(from: readonly T[]) => from.filter(() => r() < 0.4);
      await put(c, "/api/admin/groups/g0", { tunnelers: some(TUNNELERS) });
      await put(c, "/api/admin/groups/g1", { tunnelers: some(TUNNELERS) });
      for (const p of ["p0", "p1", "p2"]) {
        await put(c, `/api/admin/policies/${p}`, {
          groups: some(["g0", "g1", "g-missing"]),
          tunnelers: some(TUNNELERS),
          resources: some([...RESOURCES, "r-missing"]),
        });
      }
      // A sentinel last: once the connector has it, it has every change of this round (each
      // configuration is whole). Its address listens nowhere, so granted means "dial failed".
      const sentinel = freePort();
      await put(c, `/api/admin/resources/sentinel`, { address: `127.0.0.1:${sentinel}`, connectors: ["c1"] });
      await put(c, "/api/admin/policies/probe", { tunnelers: ["probe"], resources: ["sentinel"] });
      await waitFor(`round ${round} on the connector`, async () => {
        const got = await echoThrough(probe, port, "sentinel", "");
        return got.startsWith("refused: dial ") ? true : undefined;
      }, 10_000);

      for (const t of TUNNELERS) {
        const view = (await c.admin("GET", `/api/admin/tunnelers/${t}/access`)).body as {
          resources: { name: string; connectors: string[] }[];
        };
        const here = view.resources.filter((g) => g.connectors.includes("c1")).map((g) => g.name);
        for (const name of RESOURCES) {
          const got = await echoThrough(creds.get(t)!, port, name, "x");
          const expected = here.length === 0
            ? "refused: tunneler not allowed"
            : here.includes(name)
            ? "xbye"
            : `refused: resource not allowed: "${name}"`;
          assert.equal(got, expected, `round ${round}: ${t} → ${name}, view ${JSON.stringify(view)}`);
          seen.add(expected.split(":")[0]!.startsWith("refused") ? expected.slice(0, 20) : "carried");
          const byResource = (await c.admin("GET", `/api/admin/resources/${name}/access`)).body as {
            tunnelers: { id: string }[];
          };
          assert.equal(
            byResource.tunnelers.some((x) => x.id === t),
            view.resources.some((g) => g.name === name),
            `round ${round}: both views of ${t} → ${name}`,
          );
        }
      }
    }
    // The random rounds met every outcome: carried, refused resource, refused tunneler.
    assert.equal(seen.size, 3, [...seen].join(", "));
  } finally {
    await c.close();
    for (const e of echoes) await e.close();
  }
});
