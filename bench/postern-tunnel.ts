/**
 * Postern's side of the tunnel benchmark: the same path as stunnel-peer.sh (client agent → mTLS
 * → server agent → resource), here tunneler → connector → loadgen sink, with real processes
 * enrolled by a real controller. Prints one JSON line like stunnel-peer.sh.
 *   deno run -A bench/postern-tunnel.ts [MIB] [CONNS] [PAR_MIB]
 * PAR_MIB > 0: also 8 bulk tunnels at once through the one connector, PAR_MIB MiB each ("bulk8"),
 * with the CPU of each busy thread of connector, tunneler, load generator and sink meanwhile
 * ("bulk8_load": which thread, if any, is at 100 % of a core, and how much of the machine was idle).
 */
import { startTopology } from "../shared/demo/topology.ts";
import { pickPort } from "../shared/demo/ports.ts";
import { makeDevDir } from "../shared/config/roots.ts";
import { sampleThreads, type ThreadLoad } from "./_threads.ts";

const mib = Number(Deno.args[0] ?? 1024);
const conns = Number(Deno.args[1] ?? 500);
const parMib = Number(Deno.args[2] ?? 0);
const here = decodeURIComponent(new URL("./", import.meta.url).pathname);
const loadgen = `${here}loadgen.mjs`;

/** Runs the load generator; `sample` names the processes whose threads are measured meanwhile. */
async function node(args: string[], sample?: Record<string, number>): Promise<unknown> {
  const gen = new Deno.Command("node", { args: [loadgen, ...args], stdout: "piped", stderr: "piped" })
    .spawn();
  let out: Deno.CommandOutput;
  if (sample) {
    const sampled = await sampleThreads({ ...sample, loadgen: gen.pid }, gen.output());
    out = sampled.value;
    lastLoad = sampled.load;
  } else out = await gen.output();
  const text = new TextDecoder().decode(out.stdout).trim();
  try {
    return JSON.parse(text);
  } catch {
    return { error: text || new TextDecoder().decode(out.stderr).trim() };
  }
}

let lastLoad: ThreadLoad | null = null;
const sinkPort = pickPort();
const sink = new Deno.Command("node", { args: [loadgen, "sink", String(sinkPort)], stdout: "null" }).spawn();
const dir = await makeDevDir("bench", "postern-bench-");
const topology = await startTopology({
  dir,
  resourceAddr: `127.0.0.1:${sinkPort}`,
  ui: false,
  forwardPort: 0,
});
try {
  const port = String(topology.forwardPort);
  const bulk = await node(["bulk", port, String(mib)]);
  const connrate = await node(["connrate", port, String(conns), "8"]);
  const pids = {
    connector: topology.children.connector.pid,
    tunneler: topology.children.tunneler.pid,
    sink: sink.pid,
  };
  const bulk8 = parMib > 0 ? await node(["bulkpar", port, String(parMib), "8"], pids) : null;
  console.log(JSON.stringify({ peer: "postern", bulk, connrate, bulk8, bulk8_load: lastLoad }));
} finally {
  await topology.stop();
  sink.kill("SIGTERM");
  await sink.status;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
