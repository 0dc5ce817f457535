/**
 * The access views (`grants`, `tunnelersOf`) and the connector's decision (`compileConnector` →
 * `ConnectorAccess`) agree over randomised models: for every tunneler, resource and connector, the
 * views say "granted, served here" exactly when the decision admits a tunnel that names it.
 */
import assert from "node:assert/strict";
import { compileConnector, grants, tunnelersOf } from "./views.ts";
import { ConnectorAccess } from "./decision.ts";
import type { AccessModel } from "./model.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(r: () => number, from: readonly T[], max: number): T[] {
  return [
    ...new Set(
      Array.from({ length: Math.floor(r() * (max + 1)) }, () => from[Math.floor(r() * from.length)]!),
    ),
  ];
}

const TUNNELERS = Array.from({ length: 8 }, (_, i) => `t${i}`);
const CONNECTORS = ["c0", "c1", "c2"];

function randomModel(seed: number): AccessModel {
  const r = rng(seed);
  const names = Array.from({ length: 10 }, (_, i) => `r${i}`);
  return {
    resources: names.slice(0, 7).map((name, i) => ({
      name,
      address: `10.0.${i}.1:${5000 + i}`,
      connectors: pick(r, CONNECTORS, 2),
    })),
    groups: Array.from({ length: 4 }, (_, i) => ({ name: `g${i}`, tunnelers: pick(r, TUNNELERS, 3) })),
    // Policies also name groups and resources that do not exist (g4, r7-r9).
    policies: Array.from({ length: 6 }, (_, i) => ({
      name: `p${i}`,
      groups: pick(r, ["g0", "g1", "g2", "g3", "g4"], 2),
      tunnelers: pick(r, TUNNELERS, 2),
      resources: pick(r, names, 3),
    })),
  };
}

Deno.test("property: the access views match the connector decision over 200 random models", async () => {
  const resolve = () => Promise.reject(new Error("no DNS in this test"));
  for (let seed = 1; seed <= 200; seed++) {
    const model = randomModel(seed);
    const access = new Map(CONNECTORS.map((c) => [
      c,
      new ConnectorAccess(
        { allowedTunnelers: [], resources: [], granted: compileConnector(model, c) },
        resolve,
      ),
    ]));
    for (const t of TUNNELERS) {
      const view = grants(model, t);
      for (const c of CONNECTORS) {
        const a = access.get(c)!;
        assert.equal(
          a.admit(t),
          view.some((g) => g.connectors.includes(c)),
          `seed ${seed}: admit ${t} on ${c}`,
        );
        for (const res of model.resources) {
          const granted = view.some((g) => g.name === res.name && g.connectors.includes(c));
          const byName = await a.allow(t, res.name);
          const byAddress = await a.allow(t, res.address);
          const why = `seed ${seed}: ${t} → ${res.name} on ${c}`;
          assert.equal(byName.ok, granted, why);
          assert.equal(byAddress.ok, granted, why);
          if (byName.ok) assert.equal(byName.resource, res.name, why);
          assert.equal(
            tunnelersOf(model, res.name).some((x) => x.id === t),
            view.some((g) => g.name === res.name),
            why,
          );
        }
      }
    }
  }
});
