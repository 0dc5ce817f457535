/**
 * Access decision benchmark: a connector policy holding 10,000 resources and 1,000 policies
 * (compiled by the controller's code, `compileConnector`, applied as the connector applies an
 * AgentConfig) decides tunnel opens: `admit()` and `allow()` of a mix of granted and refused
 * destinations (exact IPs, CIDRs, DNS names, `*.` wildcards, resource names), one tunneler per
 * decision. Prints one JSON object with p50/p99/max per decision and the time to build the policy.
 * DNS answers come from an in-memory table, so what is timed is the decision itself.
 *
 *   deno run -A bench/access_decision.ts [--resources 10000] [--policies 1000] [--samples 20000]
 *
 * The target (issue 20): p99 under 1 ms.
 * @module
 */
import { parseArgs } from "node:util";
import { ConnectorPolicy } from "../connector/policy.ts";
import { compileConnector } from "../shared/access/views.ts";
import type { AccessModel, Policy, Resource } from "../shared/access/model.ts";
import { createLogger } from "../shared/log/logger.ts";
import { AgentConfig } from "../shared/proto/gen/postern/v1/control_plane_pb.ts";

/** Sizes of one run. */
export interface AccessBenchOptions {
  resources: number;
  policies: number;
  samples: number;
  tunnelers?: number;
  groups?: number;
  seed?: number;
}

/** What one run measured (milliseconds). */
export interface AccessBenchResult {
  resources: number;
  policies: number;
  tunnelers: number;
  granted_tunnelers: number;
  samples: number;
  allowed: number;
  refused: number;
  /** compileConnector() on the controller. */
  compile_ms: number;
  /** compile plus the connector's apply(). */
  build_ms: number;
  /** Grants (one per policy) the connector holds, and the size of the AgentConfig carrying them. */
  grants: number;
  config_bytes: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Decisions that open a tunnel to a granted resource. */
  open_p50_ms: number;
  open_p99_ms: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Builds the model, applies it to a ConnectorPolicy and times `samples` decisions. */
export async function runAccessBench(o: AccessBenchOptions): Promise<AccessBenchResult> {
  const r = rng(o.seed ?? 42);
  const int = (n: number) => Math.floor(r() * n);
  const tunnelers = Array.from({ length: o.tunnelers ?? 2_000 }, (_, i) => `t${i}`);
  const groupCount = o.groups ?? 100;
  const dns = new Map<string, string[]>();
  const resources: Resource[] = [];
  for (let i = 0; i < o.resources; i++) {
    const port = 1000 + (i % 50);
    const a = (i >> 8) & 0xff, b = i & 0xff;
    let address: string;
    switch (i % 10) {
      case 0:
      case 1:
        address = `10.${100 + (a % 100)}.${b}.0/24:${port}`; // CIDRs
        break;
      case 2:
        address = `svc${i}.corp.internal:${port}`;
        dns.set(`svc${i}.corp.internal`, [`10.200.${a}.${b}`]);
        break;
      case 3:
        address = `*.team${i}.corp.internal:${port}`;
        dns.set(`api.team${i}.corp.internal`, [`10.201.${a}.${b}`]);
        break;
      default:
        address = `10.${a}.${b}.${1 + (i % 200)}:${port}`;
    }
    resources.push({ name: `r${i}`, address, connectors: ["c1"] });
  }
  const groups = Array.from({ length: groupCount }, (_, g) => ({
    name: `g${g}`,
    tunnelers: Array.from({ length: 40 }, () => tunnelers[int(tunnelers.length)]!),
  }));
  const policies: Policy[] = Array.from({ length: o.policies }, (_, p) => ({
    name: `p${p}`,
    groups: [`g${int(groupCount)}`],
    tunnelers: [tunnelers[int(tunnelers.length)]!],
    resources: Array.from({ length: 20 }, () => `r${int(o.resources)}`),
  }));
  // One group reaches everything: its members decide against all 10,000 resources.
  policies[0] = { name: "p0", groups: ["g0"], tunnelers: [], resources: resources.map((x) => x.name) };
  const model: AccessModel = { resources, groups, policies };

  const started = performance.now();
  const compiled = compileConnector(model, "c1");
  const compileMs = performance.now() - started;
  const policy = new ConnectorPolicy({
    log: createLogger({ level: "error", write: () => {} }),
    resolver: (host) => Promise.resolve(dns.get(host) ?? []),
  });
  policy.apply({
    allowedTunnelers: [],
    resources: [],
    grantedResources: compiled.resources,
    grants: compiled.grants.map((g) => ({ tunnelerIds: g.tunnelers, resources: g.resources })),
  });
  const buildMs = performance.now() - started;

  const granted = [...new Set(compiled.grants.flatMap((g) => g.tunnelers))];
  const destinationOf = (res: Resource): string => {
    const [host, port] = [res.address.slice(0, res.address.lastIndexOf(":")), res.address.split(":").pop()!];
    if (host.includes("/")) return `${host.slice(0, host.lastIndexOf("."))}.${1 + int(250)}:${port}`;
    if (host.startsWith("*.")) return `api.${host.slice(2)}:${port}`;
    return r() < 0.5 ? res.name : res.address;
  };
  const byName = new Map(resources.map((x) => [x.name, x]));
  const grantsOf = new Map<string, number[][]>();
  for (const g of compiled.grants) {
    for (const t of g.tunnelers) grantsOf.set(t, [...(grantsOf.get(t) ?? []), g.resources]);
  }
  const decide = async (t: string, dest: string) => {
    const t0 = performance.now();
    const decision = policy.allows(t) ? await policy.access.allow(t, dest) : undefined;
    return { ms: performance.now() - t0, ok: decision?.ok === true };
  };
  // Mixed: a random granted tunneler asks for a random resource (mostly refused: the slow path,
  // every grant of the tunneler is tried). Opens: it asks for one of its own granted resources.
  const times: number[] = [], opens: number[] = [];
  let allowed = 0, refused = 0, openRefused = 0;
  for (let i = 0; i < o.samples; i++) {
    const t = granted[int(granted.length)]!;
    const mixed = await decide(t, destinationOf(resources[int(resources.length)]!));
    times.push(mixed.ms);
    if (mixed.ok) allowed++;
    else refused++;
    const own = grantsOf.get(t)!;
    const set = own[int(own.length)]!;
    const res = byName.get(compiled.resources[set[int(set.length)]!]!.name)!;
    const open = await decide(t, destinationOf(res));
    opens.push(open.ms);
    if (!open.ok) openRefused++;
  }
  if (openRefused > 0) throw new Error(`${openRefused} opens of granted resources were refused`);
  times.sort((x, y) => x - y);
  opens.sort((x, y) => x - y);
  const at = (q: number, list = times) => list[Math.min(list.length - 1, Math.floor(q * list.length))]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    resources: o.resources,
    policies: o.policies,
    tunnelers: tunnelers.length,
    granted_tunnelers: granted.length,
    samples: o.samples,
    allowed,
    refused,
    compile_ms: round(compileMs),
    build_ms: round(buildMs),
    grants: compiled.grants.length,
    config_bytes: AgentConfig.encode({
      heartbeatIntervalMs: 0,
      allowedTunnelers: [],
      resources: [],
      grantedResources: compiled.resources,
      grants: compiled.grants.map((g) => ({ tunnelerIds: g.tunnelers, resources: g.resources })),
    }).finish().length,
    p50_ms: round(at(0.5)),
    p99_ms: round(at(0.99)),
    max_ms: round(times[times.length - 1]!),
    open_p50_ms: round(at(0.5, opens)),
    open_p99_ms: round(at(0.99, opens)),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      resources: { type: "string", default: "10000" },
      policies: { type: "string", default: "1000" },
      samples: { type: "string", default: "20000" },
    },
  });
  const result = await runAccessBench({
    resources: Number(values.resources),
    policies: Number(values.policies),
    samples: Number(values.samples),
  });
  console.log(JSON.stringify(result));
}
