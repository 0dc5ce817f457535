/**
 * `deno task demo --ha`: the highly available system on loopback. A three-member etcd cluster,
 * two controllers sharing it (one CA, one sealing key), two connectors of one network, a tunneler
 * that lists both controllers and both connectors, and a private service behind them.
 * @module
 */
import { AdminClient } from "./admin_client.ts";
import { type Child, startChild, startCommandChild, waitFor } from "./child.ts";
import { pickPort } from "./ports.ts";
import { PRIVATE_GREETING } from "./topology.ts";

/** Where the demo looks for etcd (the Debian and Ubuntu package `etcd-server` puts it there). */
export const ETCD_BINARY = "/usr/bin/etcd";

/** What the demo says when etcd is not installed. */
export const ETCD_MISSING =
  `demo --ha needs etcd at ${ETCD_BINARY}: install it (apt-get install etcd-server) or run deno task demo without --ha`;

/** The running HA demo. */
export interface HaTopology {
  dir: string;
  /** The admin API of each controller. */
  admins: AdminClient[];
  forwardUrl: string;
  /** Every process by name: etcd-0..2, controller-0..1, connector-0..1, tunneler. */
  children: Map<string, Child>;
  stop(): Promise<void>;
}

function secret(bytes: number): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))));
}

/** Whether etcd is installed where the demo looks. */
export function etcdInstalled(): boolean {
  try {
    return Deno.statSync(ETCD_BINARY).isFile;
  } catch {
    return false;
  }
}

/** Starts the HA system in `dir`; throws naming the part that did not come up. */
export async function startHaTopology(
  o: { dir: string; progress?: (line: string) => void; forwardPort?: number },
): Promise<HaTopology> {
  const say = o.progress ?? (() => {});
  const { dir } = o;
  const logs = `${dir}/logs`;
  await Deno.mkdir(logs, { recursive: true });
  const children = new Map<string, Child>();
  const abort = new AbortController();
  const privatePort = pickPort();
  const service = Deno.serve(
    { hostname: "127.0.0.1", port: privatePort, signal: abort.signal, onListen: () => {} },
    () => new Response(PRIVATE_GREETING, { headers: { "content-type": "text/plain" } }),
  );
  const stop = async () => {
    await Promise.all([...children.values()].reverse().map((c) => c.stop()));
    abort.abort();
    await service.finished;
  };
  const launch = async (name: string, program: string, args: string[], env: Record<string, string>) => {
    const child = await startChild(name, program, args, env, logs);
    children.set(name, child);
    return child;
  };
  try {
    say("starting a three-member etcd cluster");
    const members = [0, 1, 2].map((i) => ({ name: `etcd-${i}`, client: pickPort(), peer: pickPort() }));
    const clusterToken = `postern-demo-${secret(6).replace(/\W/g, "")}`;
    const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
    for (const m of members) {
      const child = await startCommandChild(
        m.name,
        ETCD_BINARY,
        [
          `--name=${m.name}`,
          `--data-dir=${dir}/${m.name}`,
          `--listen-client-urls=http://127.0.0.1:${m.client}`,
          `--advertise-client-urls=http://127.0.0.1:${m.client}`,
          `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
          `--initial-cluster=${initial}`,
          "--initial-cluster-state=new",
          `--initial-cluster-token=${clusterToken}`,
          "--log-level=warn",
        ],
        { ETCDCTL_API: "3" },
        logs,
      );
      children.set(m.name, child);
    }
    for (const m of members) {
      await waitFor(
        `${m.name} to be healthy`,
        async () => {
          const r = await fetch(`http://127.0.0.1:${m.client}/health`, {
            signal: AbortSignal.timeout(2_000),
          });
          return (await r.json()).health === "true" || undefined;
        },
        30_000,
        children.get(m.name),
      );
    }
    const store = `etcd://${members.map((m) => `127.0.0.1:${m.client}`).join(",")}`;

    say("creating the internal CA and the sealing key both controllers share");
    const init = await startChild("init-ca", "controller", ["init-ca", "--out", `${dir}/ca`], {}, logs);
    if (await init.exited !== 0) throw new Error(`init-ca failed:\n${await init.tail()}`);
    const caPath = `${dir}/ca/ca.crt`;
    const sealingKey = `${dir}/ca-key-encryption.key`;
    await Deno.writeTextFile(sealingKey, secret(32), { mode: 0o600 });
    const adminToken = secret(24).replace(/\W/g, "");
    const admins: AdminClient[] = [];
    const grpcAddrs: string[] = [];
    for (const i of [0, 1]) {
      const adminPort = pickPort();
      const grpcAddr = `127.0.0.1:${pickPort()}`;
      say(`starting controller-${i}`);
      const child = await launch(`controller-${i}`, "controller", ["serve"], {
        ADMIN_AUTH_TOKEN: adminToken,
        ADMIN_HTTP_ADDR: `127.0.0.1:${adminPort}`,
        CONTROLLER_GRPC_ADDR: grpcAddr,
        CONTROLLER_STATE_DIR: `${dir}/controller-${i}`,
        CONTROLLER_STORE: store,
        CA_KEY_ENCRYPTION_KEY_FILE: sealingKey,
        INTERNAL_CA_CERT_FILE: caPath,
        INTERNAL_CA_KEY_FILE: `${dir}/ca/ca.key`,
        HEARTBEAT_INTERVAL: "2s",
        OFFLINE_AFTER: "6s",
      });
      const url = `http://127.0.0.1:${adminPort}`;
      await waitFor(
        `controller-${i} to be ready`,
        async () => {
          const r = await fetch(`${url}/readyz`);
          await r.body?.cancel();
          return r.ok || undefined;
        },
        30_000,
        child,
      );
      admins.push(new AdminClient(url, adminToken));
      grpcAddrs.push(grpcAddr);
    }
    const admin = admins[0]!;
    const controllerAddr = grpcAddrs.join(",");
    const resource = `127.0.0.1:${privatePort}`;
    const connectors: string[] = [];
    for (const i of [0, 1]) {
      const id = `connector-${i}`;
      const addr = `127.0.0.1:${pickPort()}`;
      say(`enrolling and starting ${id}`);
      const child = await launch(id, "connector", ["run"], {
        // Each connector starts on a different controller: killing either moves one of them.
        CONTROLLER_ADDR: i === 0 ? controllerAddr : [...grpcAddrs].reverse().join(","),
        CONNECTOR_ID: id,
        CONTROLLER_CA_PATH: caPath,
        ENROLLMENT_TOKEN: await admin.createToken("connector", `demo ${id}`),
        CONNECTOR_PRIVATE_IP: "127.0.0.1",
        CONNECTOR_LISTEN_ADDR: addr,
        CONNECTOR_STATE_DIR: `${dir}/${id}`,
      });
      await admin.request("PUT", `/api/admin/connectors/${id}/resources`, { resources: [resource] });
      await admin.request("PUT", `/api/admin/connectors/${id}/allowlist`, { tunnelers: ["demo-tunneler"] });
      await waitFor(
        `${id} to be ONLINE`,
        async () => (await admin.status("connectors", id)) === "ONLINE" || undefined,
        20_000,
        child,
      );
      connectors.push(`${id}@${addr}`);
    }
    const forwardPort = pickPort(o.forwardPort ?? 18090);
    say("enrolling and starting the tunneler");
    const tunneler = await launch("tunneler", "tunneler", ["run"], {
      CONTROLLER_ADDR: controllerAddr,
      TUNNELER_ID: "demo-tunneler",
      CONTROLLER_CA_PATH: caPath,
      ENROLLMENT_TOKEN: await admin.createToken("tunneler", "demo tunneler", "demo-tunneler"),
      CONNECTOR_ADDR: connectors.join(","),
      TUNNELER_FORWARDS: `127.0.0.1:${forwardPort}=${resource}`,
      TUNNELER_STATE_DIR: `${dir}/tunneler`,
    });
    const forwardUrl = `http://127.0.0.1:${forwardPort}/`;
    await waitFor(
      "the private service to answer through the tunnel",
      async () => {
        const r = await fetch(forwardUrl, { signal: AbortSignal.timeout(5_000) });
        return (await r.text()) === PRIVATE_GREETING || undefined;
      },
      30_000,
      tunneler,
    );
    return { dir, admins, forwardUrl, children, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What the demo prints: how to kill one of each part and watch nothing break. */
export function haInstructions(t: HaTopology): string {
  const pid = (name: string) => t.children.get(name)?.pid ?? "?";
  const a = t.admins[0]!;
  const b = t.admins[1]!;
  return `Postern HA is running. Everything listens on 127.0.0.1; logs are in ${t.dir}/logs.

  Through the tunnel:   curl ${t.forwardUrl}
  Watch it:             while sleep 1; do curl -s ${t.forwardUrl}; done
  Admin API             ${a.baseUrl} and ${b.baseUrl}   (Authorization: Bearer ${a.token})

  Kill one of each and watch nothing break (one at a time, or all three):
    kill -9 ${pid("controller-0")}   # controller-0: its agents move to controller-1 within a second
    kill -9 ${pid("connector-0")}   # connector-0: the tunneler opens new tunnels through connector-1
    kill -9 ${pid("etcd-0")}   # etcd-0: two members of three keep quorum, writes continue
  Then: curl ${b.baseUrl}/readyz   and   curl -H 'Authorization: Bearer ${b.token}' ${b.baseUrl}/api/admin/connectors
  Kill a second etcd member (kill -9 ${pid("etcd-1")}): quorum is lost, the controllers say not ready
  and refuse writes, and the tunnel still carries bytes. docs/high-availability.md has the failure matrix.

Ctrl-C stops everything.`;
}
