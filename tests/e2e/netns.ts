import { type RunningProgram, startCommand } from "../support/process.ts";
import { prepareController, type TestController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";

/**
 * Test hosts as Linux network namespaces (root only): a "public" LAN on a bridge, and a private
 * LAN that only the connector's host reaches. Everything is created by the test and torn down
 * by `destroy()`, even after a failure.
 */
export interface TestNetwork {
  /** Namespace name of each host. */
  hosts: Record<"controller" | "connector" | "tunneler" | "resource", string>;
  /** Address of each host: controller/connector/tunneler on the public LAN, resource on the private one. */
  ips: Record<
    "controller" | "connector" | "tunneler" | "resource" | "connectorPrivate" | "testRunner",
    string
  >;
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
}

/** Whether this process may build namespaces (root and iproute2 present). */
export async function canUseNetns(): Promise<boolean> {
  if (Deno.uid() !== 0) return false;
  return await new Deno.Command("ip", { args: ["netns", "list"], stdout: "null", stderr: "null" }).output()
    .then((o) => o.success, () => false);
}

/** Builds the four hosts, a hub namespace with the bridge, and a veth from this process's namespace. */
export async function createTestNetwork(): Promise<TestNetwork> {
  const tag = `pn${Deno.pid % 10000}`;
  const net = 10 + (Deno.pid % 200); // 10.231.<net>.0/24 public, 10.231.<net+1>.0/24 private
  const pub = `10.231.${net}`;
  const priv = `10.231.${net + 1}`;
  const hub = `${tag}hub`;
  const hosts = {
    controller: `${tag}ctl`,
    connector: `${tag}con`,
    tunneler: `${tag}tun`,
    resource: `${tag}res`,
  };
  const all = [hub, ...Object.values(hosts)];
  const rootVeth = `${tag}r`;
  const destroy = async () => {
    for (const ns of all) await ip("netns", "del", ns).catch(() => {});
    await ip("link", "del", rootVeth).catch(() => {});
  };
  try {
    for (const ns of all) {
      await ip("netns", "add", ns);
      await ip("-n", ns, "link", "set", "lo", "up");
    }
    await ip("-n", hub, "link", "add", "br0", "type", "bridge");
    await ip("-n", hub, "link", "set", "br0", "up");
    const attach = async (ns: string | null, name: string, address: string) => {
      const peer = `${name}h`;
      await ip("link", "add", name, "type", "veth", "peer", "name", peer);
      if (ns) await ip("link", "set", name, "netns", ns);
      await ip("link", "set", peer, "netns", hub);
      const inNs = ns ? ["-n", ns] : [];
      await ip(...inNs, "addr", "add", `${address}/24`, "dev", name);
      await ip(...inNs, "link", "set", name, "up");
      await ip("-n", hub, "link", "set", peer, "master", "br0");
      await ip("-n", hub, "link", "set", peer, "up");
    };
    await attach(hosts.controller, `${tag}c`, `${pub}.1`);
    await attach(hosts.connector, `${tag}n`, `${pub}.2`);
    await attach(hosts.tunneler, `${tag}t`, `${pub}.3`);
    await attach(null, rootVeth, `${pub}.254`);
    // The private LAN: a direct link between the connector's host and the resource's host.
    await ip("link", "add", `${tag}p`, "type", "veth", "peer", "name", `${tag}q`);
    await ip("link", "set", `${tag}p`, "netns", hosts.connector);
    await ip("link", "set", `${tag}q`, "netns", hosts.resource);
    await ip("-n", hosts.connector, "addr", "add", `${priv}.1/24`, "dev", `${tag}p`);
    await ip("-n", hosts.resource, "addr", "add", `${priv}.2/24`, "dev", `${tag}q`);
    await ip("-n", hosts.connector, "link", "set", `${tag}p`, "up");
    await ip("-n", hosts.resource, "link", "set", `${tag}q`, "up");
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    hosts,
    ips: {
      controller: `${pub}.1`,
      connector: `${pub}.2`,
      tunneler: `${pub}.3`,
      testRunner: `${pub}.254`,
      connectorPrivate: `${priv}.1`,
      resource: `${priv}.2`,
    },
    destroy,
  };
}

/**
 * One host of its own (root only): a namespace with loopback and one non-loopback address on a
 * veth pair whose both ends stay inside it. Its ports are its own, and the address is reachable
 * from inside the namespace alone, so a program there sees a peer that is not loopback.
 */
export interface IsolatedHost {
  /** Namespace name. */
  ns: string;
  /** The host's non-loopback IPv4 address. */
  ip: string;
  destroy(): Promise<void>;
}

let isolatedHosts = 0;

/** Creates an {@link IsolatedHost}; `destroy()` removes the namespace and its links. */
export async function createIsolatedHost(): Promise<IsolatedHost> {
  const n = isolatedHosts++;
  const ns = `pn${Deno.pid % 10000}i${n}`;
  const address = `10.232.${Deno.pid % 250}.${1 + (n % 250)}`;
  const destroy = () => ip("netns", "del", ns).catch(() => {});
  try {
    await ip("netns", "add", ns);
    await ip("-n", ns, "link", "set", "lo", "up");
    await ip("-n", ns, "link", "add", "host0", "type", "veth", "peer", "name", "host1");
    await ip("-n", ns, "addr", "add", `${address}/24`, "dev", "host0");
    await ip("-n", ns, "link", "set", "host0", "up");
    await ip("-n", ns, "link", "set", "host1", "up");
  } catch (error) {
    await destroy();
    throw error;
  }
  return { ns, ip: address, destroy };
}

/** One request for {@link fetchInNamespace}. */
export interface NamespacedRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What a request of {@link fetchInNamespace} got: the status and body, or the error. */
export type NamespacedResult = { status: number; body: string } | { error: string };

const FETCH_ALL = `
const out = {};
for (const [name, r] of Object.entries(JSON.parse(Deno.env.get("POSTERN_REQUESTS")))) {
  try {
    const res = await fetch(r.url, r);
    out[name] = { status: res.status, body: await res.text() };
  } catch (e) {
    out[name] = { error: e.cause ? String(e) + ": " + String(e.cause) : String(e) };
  }
}
console.log(JSON.stringify(out));
`;

/** Runs `deno <args>` inside namespace `ns`, from the repo root, with only `env` (plus PATH and HOME). */
export function denoInNamespace(
  ns: string,
  args: string[],
  env: Record<string, string> = {},
): RunningProgram {
  return startCommand("ip", ["netns", "exec", ns, Deno.execPath(), ...args], { env });
}

/** Sends each request from inside namespace `ns` (one `deno eval` there), in order. */
export async function fetchInNamespace<K extends string>(
  ns: string,
  requests: Record<K, NamespacedRequest>,
): Promise<Record<K, NamespacedResult>> {
  const p = denoInNamespace(ns, ["eval", FETCH_ALL], { POSTERN_REQUESTS: JSON.stringify(requests) });
  const code = await p.exited;
  const last = p.lines.filter((l) => l.startsWith("{")).at(-1);
  if (code !== 0 || last === undefined) {
    throw new Error(`fetch in ${ns} failed (${code}): ${p.lines.join("\n")}`);
  }
  return JSON.parse(last);
}

/** What {@link withControllerOnIsolatedHost} hands its test. */
export interface IsolatedController {
  host: IsolatedHost;
  controller: TestController;
  /** The `postern-controller serve` process inside the namespace, serving. */
  p: RunningProgram;
}

/**
 * Runs `fn` with a controller prepared in a temporary directory and serving inside a new
 * {@link IsolatedHost} with the environment `env(controller)`; stops it, removes the namespace
 * and the directory after.
 */
export async function withControllerOnIsolatedHost(
  env: (controller: TestController) => Record<string, string>,
  fn: (c: IsolatedController) => Promise<void>,
): Promise<void> {
  await using d = await tempDir();
  const host = await createIsolatedHost();
  try {
    const controller = await prepareController(d.path);
    const p = denoInNamespace(
      host.ns,
      ["run", "-P=controller", "controller/main.ts", "serve"],
      env(controller),
    );
    try {
      await p.waitForLine("controller serving", 20_000);
      await fn({ host, controller, p });
    } finally {
      await p.stop();
    }
  } finally {
    await host.destroy();
  }
}
