/**
 * Real etcd v3 members on loopback for tests: one or three members, data in temporary
 * directories, the compaction and quota flags of the write budget (docs/high-availability.md), and
 * stop, kill and restart of one member to take quorum away and give it back.
 *
 * etcd needs its peer URLs before it starts (`--initial-cluster` names every member), so the
 * members cannot bind port 0: ports come from the repo's one free-port helper, and a start that
 * loses a port to another process is retried with fresh ports.
 * @module
 */
import { freePort } from "./ports.ts";
import { type RunningProgram, startCommand } from "./process.ts";
import { waitFor } from "./wait_for.ts";

/** Where the tests look for etcd (Debian's `etcd-server`). */
export const ETCD_BINARY = Deno.env.get("POSTERN_TEST_ETCD") ?? "/usr/bin/etcd";

/** Why etcd tests are ignored on a machine without etcd. */
export const ETCD_MISSING_MESSAGE =
  `etcd tests ignored: "${ETCD_BINARY}" not found (install it with apt-get install etcd-server)`;

let available: boolean | undefined;

/** Whether the etcd binary is installed; the first `false` prints {@link ETCD_MISSING_MESSAGE}. */
export function etcdAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    available = Deno.statSync(ETCD_BINARY).isFile;
  } catch {
    available = false;
  }
  if (!available) console.error(ETCD_MISSING_MESSAGE);
  return available;
}

/** Options of {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** 1 or 3 members (default 1). */
  members?: 1 | 3;
  /** `--quota-backend-bytes` (default 64 MiB; a small one, e.g. 1 MiB, makes NOSPACE easy to reach). */
  quotaBackendBytes?: number;
  /** `--auto-compaction-retention` in revisions (default 1000). */
  compactionRetention?: number;
  /** `--max-txn-ops` (default etcd's 128). */
  maxTxnOps?: number;
  /**
   * Serve clients over TLS only, requiring a client certificate signed by `caFile` (the members'
   * own traffic stays plain on loopback). Files are PEM; the server certificate names 127.0.0.1.
   */
  tls?: { caFile: string; certFile: string; keyFile: string };
  /** Wait for `/health` before answering (default true); false waits only for the client ports to accept. */
  waitForHealth?: boolean;
  /** Echo the members' output to stderr (also on with POSTERN_TEST_VERBOSE=1). */
  verbose?: boolean;
}

/** One member of a test cluster. */
export interface EtcdMember {
  readonly name: string;
  /** `127.0.0.1:port` of its client URL. */
  readonly endpoint: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** The running process, or null while stopped. */
  readonly process: RunningProgram | null;
}

/** A running test cluster. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's `127.0.0.1:port`. */
  readonly endpoints: string[];
  /** The `CONTROLLER_STORE` value for this cluster: `etcd://host:port,host:port…`. */
  readonly storeUrl: string;
  /** SIGTERM member `i` and wait for its exit. */
  stop(i: number): Promise<void>;
  /** SIGKILL member `i` (a crash) and wait for its exit. */
  kill(i: number): Promise<void>;
  /** Start stopped member `i` again on its data and ports; waits until it serves (quorum allowing). */
  restart(i: number): Promise<void>;
  /** Resolves once every running member answers `/health` as healthy (the cluster has quorum). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stop every member and remove the data directories. */
  close(): Promise<void>;
}

interface MemberState {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process: RunningProgram | null;
}

const START_ATTEMPTS = 3;

/** Starts a 1- or 3-member etcd cluster on loopback and waits until it is healthy. */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const root = await Deno.makeTempDir({ prefix: "postern-etcd-" });
    const members: MemberState[] = Array.from({ length: options.members ?? 1 }, (_, i) => ({
      name: `m${i}`,
      clientPort: freePort(),
      peerPort: freePort(),
      dataDir: `${root}/m${i}`,
      process: null,
    }));
    const cluster = new TestCluster(root, members, options);
    try {
      for (let i = 0; i < members.length; i++) cluster.launch(i, "new");
      if (options.waitForHealth === false) await cluster.waitListening(20_000);
      else await cluster.waitHealthy(20_000);
      return cluster;
    } catch (e) {
      lastError = e;
      await cluster.close();
      if (!cluster.lostAPort()) break;
    }
  }
  throw lastError;
}

class TestCluster implements EtcdCluster {
  #lostPort = false;

  constructor(
    private readonly root: string,
    private readonly state: MemberState[],
    private readonly options: EtcdClusterOptions,
  ) {}

  get members(): readonly EtcdMember[] {
    return this.state.map((m) => ({
      name: m.name,
      endpoint: `127.0.0.1:${m.clientPort}`,
      peerUrl: peerUrl(m),
      dataDir: m.dataDir,
      process: m.process,
    }));
  }

  get endpoints(): string[] {
    return this.state.map((m) => `127.0.0.1:${m.clientPort}`);
  }

  get storeUrl(): string {
    return `${this.options.tls ? "etcds" : "etcd"}://${this.endpoints.join(",")}`;
  }

  lostAPort(): boolean {
    return this.#lostPort;
  }

  launch(i: number, clusterState: "new" | "existing"): void {
    const m = this.member(i);
    const tls = this.options.tls;
    const client = `${tls ? "https" : "http"}://127.0.0.1:${m.clientPort}`;
    const args = [
      ...(tls
        ? [
          `--cert-file=${tls.certFile}`,
          `--key-file=${tls.keyFile}`,
          `--trusted-ca-file=${tls.caFile}`,
          "--client-cert-auth",
        ]
        : []),
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peerUrl(m)}`,
      `--initial-advertise-peer-urls=${peerUrl(m)}`,
      `--initial-cluster=${this.state.map((s) => `${s.name}=${peerUrl(s)}`).join(",")}`,
      `--initial-cluster-state=${clusterState}`,
      `--initial-cluster-token=${this.root.split("/").pop()}`,
      "--auto-compaction-mode=revision",
      `--auto-compaction-retention=${this.options.compactionRetention ?? 1000}`,
      `--quota-backend-bytes=${this.options.quotaBackendBytes ?? 64 * 1024 * 1024}`,
      `--max-txn-ops=${this.options.maxTxnOps ?? 128}`,
      // Loopback: short heartbeats so that a lost leader is replaced in about a second.
      "--heartbeat-interval=50",
      "--election-timeout=500",
      "--logger=zap",
      "--log-level=warn",
      "--log-outputs=stderr",
    ];
    const verbose = this.options.verbose ?? Deno.env.get("POSTERN_TEST_VERBOSE") === "1";
    const p = startCommand(ETCD_BINARY, args, { verbose });
    m.process = p;
    p.exited.then(() => {
      if (p.lines.some((l) => l.includes("address already in use"))) this.#lostPort = true;
    });
  }

  async stop(i: number): Promise<void> {
    const m = this.member(i);
    await m.process?.stop("SIGTERM");
    m.process = null;
  }

  async kill(i: number): Promise<void> {
    const m = this.member(i);
    await m.process?.stop("SIGKILL");
    m.process = null;
  }

  async restart(i: number): Promise<void> {
    const m = this.member(i);
    if (m.process) throw new Error(`etcd member "${m.name}" is still running: stop it first`);
    this.launch(i, "existing");
    const started = m.process ?? undefined;
    await waitFor(
      `etcd member "${m.name}" to serve again`,
      async () => {
        if (!m.process) throw new Error(`etcd member "${m.name}" was stopped while starting`);
        return await answers(await this.probe(m.clientPort)) ? true : undefined;
      },
      20_000,
      100,
      started,
    );
  }

  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      "etcd cluster to be healthy",
      async () => {
        for (const m of this.state) {
          if (!m.process) continue;
          if (m.process.lines.some((l) => l.includes("address already in use"))) {
            this.#lostPort = true;
            throw new Error(`etcd member "${m.name}" lost its port:\n${m.process.lines.join("\n")}`);
          }
          if (!await healthy(await this.probe(m.clientPort))) return undefined;
        }
        return true;
      },
      timeoutMs,
      100,
    );
  }

  async waitListening(timeoutMs: number): Promise<void> {
    await waitFor(
      "etcd members to accept connections",
      async () => {
        for (const m of this.state) {
          try {
            (await Deno.connect({ hostname: "127.0.0.1", port: m.clientPort })).close();
          } catch {
            return undefined;
          }
        }
        return true;
      },
      timeoutMs,
      100,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.state.map(async (m) => {
      await m.process?.stop("SIGKILL");
      m.process = null;
    }));
    this.#http?.close();
    this.#http = undefined;
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }

  #http: Deno.HttpClient | undefined;

  /** How to reach a member's HTTP endpoints: the URL base and, with TLS, a client with our certificate. */
  async probe(port: number): Promise<Probe> {
    const tls = this.options.tls;
    if (!tls) return { base: `http://127.0.0.1:${port}` };
    this.#http ??= Deno.createHttpClient({
      caCerts: [await Deno.readTextFile(tls.caFile)],
      cert: await Deno.readTextFile(tls.certFile),
      key: await Deno.readTextFile(tls.keyFile),
    });
    return { base: `https://127.0.0.1:${port}`, client: this.#http };
  }

  private member(i: number): MemberState {
    const m = this.state[i];
    if (!m) throw new RangeError(`no etcd member ${i}: the cluster has ${this.state.length}`);
    return m;
  }
}

function peerUrl(m: MemberState): string {
  return `http://127.0.0.1:${m.peerPort}`;
}

interface Probe {
  base: string;
  client?: Deno.HttpClient;
}

/** `/health` says `"health":"true"` only when the member has a leader and takes a quorum read. */
async function healthy(p: Probe): Promise<boolean> {
  try {
    const res = await fetch(`${p.base}/health`, {
      signal: AbortSignal.timeout(2_000),
      ...(p.client ? { client: p.client } : {}),
    });
    const body = await res.json() as { health?: string };
    return body.health === "true";
  } catch {
    return false;
  }
}

/** The member's client port answers HTTP (with or without quorum). */
async function answers(p: Probe): Promise<boolean> {
  try {
    const res = await fetch(`${p.base}/version`, {
      signal: AbortSignal.timeout(2_000),
      ...(p.client ? { client: p.client } : {}),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * `Deno.test` for a test that needs etcd: ignored, with {@link ETCD_MISSING_MESSAGE} printed once,
 * where etcd is not installed. Sanitizers are off: the etcd client's gRPC channel keeps timers.
 */
export function etcdTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: !etcdAvailable(), sanitizeOps: false, sanitizeResources: false, fn });
}
