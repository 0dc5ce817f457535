/**
 * Data-path probe: the tunneler's Forwarder and the connector's TunnelListener, each in its own
 * process (no controller), loadgen.mjs as app and sink. For iterating on the data path and
 * profiling each side (`PROF=1` adds --cpu-prof to both, profiles in ./prof/).
 *   deno run -A bench/datapath_probe.ts [MIB] [CONNS] [PAR_MIB]
 * PAR_MIB > 0: also PAR (default 8) bulk tunnels at once, PAR_MIB MiB each; the JSON then
 * carries each process's CPU per thread during that run and the machine's idle share
 * (bench/_threads.ts: which thread, if any, is the limit).
 * WORKERS=N > 0: the connector runs N Workers, each with its own TunnelListener on the same port
 * (SO_REUSEPORT), the prototype of data-plane workers measured in bench/RESULTS.md. It applies
 * the fixed policy below in each worker and has no control plane: a measuring tool only.
 */
import { makeTestPki } from "../shared/pki/testing.ts";
import { pickPort } from "../shared/demo/ports.ts";
import { sampleThreads } from "./_threads.ts";

const here = decodeURIComponent(new URL("./", import.meta.url).pathname);
const TD = "postern.internal";

/** A data-plane worker of the WORKERS=N prototype: its scope, and the arguments it was sent. */
const scope = globalThis as unknown as {
  name?: string;
  postMessage(m: unknown): void;
  addEventListener(t: "message", f: (e: MessageEvent) => void, o: { once: boolean }): void;
};
const workerArgs: string[] | undefined = scope.name === "probe-worker"
  ? await new Promise((r) => scope.addEventListener("message", (e) => r(e.data), { once: true }))
  : undefined;
const args = workerArgs ?? Deno.args;
const workers = Number(Deno.env.get("WORKERS") ?? 0);
if (args[0] === "connector" && workers > 0 && !workerArgs) {
  // WORKERS=N: N listeners on the same port (SO_REUSEPORT), each on its own thread.
  for (let i = 0; i < workers; i++) {
    const w = new Worker(import.meta.url, { type: "module", name: "probe-worker" });
    const ready = new Promise((r) => w.addEventListener("message", r, { once: true }));
    w.postMessage([...Deno.args]);
    await ready;
  }
  console.log("ready");
  Deno.addSignalListener("SIGTERM", () => {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
    console.error(
      `connector cpu ${((Number(f[11]) + Number(f[12])) / 100).toFixed(2)} s (${workers} workers)`,
    );
    Deno.exit(0);
  });
} else if (args[0] === "connector" || args[0] === "tunneler") {
  const { svidFromPem } = await import("../shared/pki/svid.ts");
  const { TrustBundle } = await import("../shared/pki/bundle.ts");
  const { AgentCredentials } = await import("../shared/agent/credentials.ts");
  const [role, cert, key, ca, a, b] = args;
  const creds = new AgentCredentials(
    await svidFromPem(Deno.readTextFileSync(cert!), Deno.readTextFileSync(key!)),
    TrustBundle.fromPem(Deno.readTextFileSync(ca!)),
  );
  const log = {
    debug() {},
    info() {},
    warn: (m: string, f?: unknown) => console.error(m, f),
    error: console.error,
  };
  // deno-lint-ignore no-explicit-any
  const logger = log as any;
  if (role === "connector") {
    const { TunnelListener } = await import("../connector/listener.ts");
    const l = new TunnelListener({ creds, trustDomain: TD, log: logger });
    l.policy.apply({ allowedTunnelers: ["t1"], resources: [`127.0.0.1:${b}`] });
    await l.listen("127.0.0.1", Number(a), { reusePort: workerArgs !== undefined });
  } else {
    const { Forwarder } = await import("../tunneler/forwards.ts");
    const { parseForwards } = await import("../tunneler/config.ts");
    const f = new Forwarder(
      () => ({ creds, trustDomain: TD, connectorId: "c1", host: "127.0.0.1", port: Number(a) }),
      logger,
    );
    await f.start(parseForwards(`127.0.0.1:${b}=127.0.0.1:${args[6]}`));
  }
  if (workerArgs) scope.postMessage("ready");
  else console.log("ready");
  if (!workerArgs) {
    Deno.addSignalListener("SIGTERM", () => {
      // CPU seconds of this process (utime + stime), for comparing data-path variants.
      const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
      console.error(
        `${role} cpu ${((Number(f[11]) + Number(f[12])) / 100).toFixed(2)} s (user ${
          Number(f[11]) / 100
        }, sys ${Number(f[12]) / 100})`,
      );
      Deno.exit(0);
    });
  }
} else if (!workerArgs) {
  const mib = Number(Deno.args[0] ?? 1024), conns = Number(Deno.args[1] ?? 300);
  const parMib = Number(Deno.args[2] ?? 0), par = Number(Deno.env.get("PAR") ?? 8);
  const dir = await Deno.makeTempDir({ prefix: "postern-dp-" });
  const pki = await makeTestPki({ trustDomain: TD });
  const c = await pki.issue("connector", "c1", { ipSans: ["127.0.0.1"] });
  const t = await pki.issue("tunneler", "t1");
  for (
    const [n, v] of Object.entries({
      "c.crt": c.certPem,
      "c.key": c.keyPem,
      "t.crt": t.certPem,
      "t.key": t.keyPem,
      "ca.crt": pki.caPem,
    })
  ) {
    Deno.writeTextFileSync(`${dir}/${n}`, v);
  }
  const sinkPort = pickPort(), cPort = pickPort(), fPort = pickPort();
  const sink = new Deno.Command("node", {
    args: [`${here}loadgen.mjs`, "sink", String(sinkPort)],
    stdout: "null",
  }).spawn();
  const prof = Deno.env.get("PROF") ? ["--cpu-prof", "--cpu-prof-dir=prof"] : [];
  const spawn = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...prof, `${here}datapath_probe.ts`, ...args],
      stdout: "piped",
    }).spawn();
  const ready = async (p: Deno.ChildProcess) => {
    const r = p.stdout.getReader();
    await r.read();
    r.releaseLock();
    p.stdout.cancel();
  };
  const conn = spawn([
    "connector",
    `${dir}/c.crt`,
    `${dir}/c.key`,
    `${dir}/ca.crt`,
    String(cPort),
    String(sinkPort),
  ]);
  await ready(conn);
  const tun = spawn([
    "tunneler",
    `${dir}/t.crt`,
    `${dir}/t.key`,
    `${dir}/ca.crt`,
    String(cPort),
    String(fPort),
    String(sinkPort),
  ]);
  await ready(tun);
  const node = async (args: string[]) => {
    const out = await new Deno.Command("node", { args: [`${here}loadgen.mjs`, ...args], stdout: "piped" })
      .output();
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  const bulk = mib > 0 ? await node(["bulk", String(fPort), String(mib)]) : null;
  const connrate = conns > 0 ? await node(["connrate", String(fPort), String(conns), "8"]) : null;
  let bulk8 = null, bulk8_load = null;
  if (parMib > 0) {
    const gen = new Deno.Command("node", {
      args: [`${here}loadgen.mjs`, "bulkpar", String(fPort), String(parMib), String(par)],
      stdout: "piped",
    }).spawn();
    const pids = { connector: conn.pid, tunneler: tun.pid, loadgen: gen.pid, sink: sink.pid };
    const { value: out, load } = await sampleThreads(pids, gen.output());
    bulk8 = JSON.parse(new TextDecoder().decode(out.stdout));
    bulk8_load = load;
  }
  console.log(JSON.stringify({ peer: "postern-probe", bulk, connrate, bulk8, bulk8_load }));
  for (const p of [conn, tun]) {
    p.kill("SIGTERM");
    await p.status;
  }
  sink.kill("SIGTERM");
  await sink.status;
  await Deno.remove(dir, { recursive: true });
}
