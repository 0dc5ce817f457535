/**
 * Data-path probe: the tunneler's Forwarder and the connector's TunnelListener, each in its own
 * process (no controller), loadgen.mjs as app and sink. For iterating on the data path and
 * profiling each side (`PROF=1` adds --cpu-prof to both, profiles in ./prof/).
 *   deno run -A bench/datapath_probe.ts [MIB] [CONNS]
 */
import { makeTestPki } from "../shared/pki/testing.ts";
import { pickPort } from "../shared/demo/ports.ts";

const here = decodeURIComponent(new URL("./", import.meta.url).pathname);
const TD = "postern.internal";

if (Deno.args[0] === "connector" || Deno.args[0] === "tunneler") {
  const { svidFromPem } = await import("../shared/pki/svid.ts");
  const { TrustBundle } = await import("../shared/pki/bundle.ts");
  const { AgentCredentials } = await import("../shared/agent/credentials.ts");
  const [role, cert, key, ca, a, b] = Deno.args;
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
    await l.listen("127.0.0.1", Number(a));
  } else {
    const { Forwarder } = await import("../tunneler/forwards.ts");
    const { parseForwards } = await import("../tunneler/config.ts");
    const f = new Forwarder(
      () => ({ creds, trustDomain: TD, connectorId: "c1", host: "127.0.0.1", port: Number(a) }),
      logger,
    );
    await f.start(parseForwards(`127.0.0.1:${b}=127.0.0.1:${Deno.args[6]}`));
  }
  console.log("ready");
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
} else {
  const mib = Number(Deno.args[0] ?? 1024), conns = Number(Deno.args[1] ?? 300);
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
  console.log(JSON.stringify({ peer: "postern-probe", bulk, connrate }));
  for (const p of [conn, tun]) {
    p.kill("SIGTERM");
    await p.status;
  }
  sink.kill("SIGTERM");
  await sink.status;
  await Deno.remove(dir, { recursive: true });
}
