/**
 * `doctor` for a controller on etcd (`CONTROLLER_STORE=etcd://…`): which members answer (and
 * whether they make a quorum), alarms such as NOSPACE, and what the cluster tells of compaction:
 * the revisions of history it keeps against the retention docs/high-availability.md asks for
 * (`--auto-compaction-retention=1000`), and the database size. Each member is asked on its own.
 * @module
 */
import { Buffer } from "node:buffer";
import { AlarmAction, AlarmType, Etcd3, type IOptions } from "etcd3";
import type { Finding } from "../shared/cli/doctor.ts";
import { formatHostPort } from "../shared/net/host_port.ts";
import { installHttp2Repairs } from "../shared/repairs/mod.ts";
import type { EtcdStoreConfig } from "./store/open.ts";
import { checkMembersByIp } from "./store/etcd_store_tls.ts";

/** The history doctor accepts before it says compaction is off (ten times the advised retention). */
export const MAX_HISTORY = 10_000;
/** The deadline of one request to one member. */
const TIMEOUT_MS = 2_000;

/** What one member reported. */
interface MemberStatus {
  endpoint: string;
  version?: string;
  dbSize?: number;
  revision?: bigint;
  error?: string;
}

/** The etcd findings for `config`. */
export async function etcdFindings(config: EtcdStoreConfig): Promise<Finding[]> {
  installHttp2Repairs();
  const tls = config.tls ? await readTls(config.tls) : undefined;
  const endpoints = config.endpoints.map(formatHostPort);
  const clients = endpoints.map((e) => client(e, tls));
  try {
    const members = await Promise.all(endpoints.map((e, i) => status(e, clients[i]!)));
    const out: Finding[] = members.map((m) =>
      m.error === undefined
        ? {
          ok: true,
          id: "etcd",
          what: `etcd member ${m.endpoint} answers (etcd ${m.version}, database ${
            kib(m.dbSize!)
          } KiB, revision ${m.revision})`,
          remedy: "",
        }
        : {
          ok: false,
          id: "etcd",
          what: `etcd member ${m.endpoint} does not answer: ${m.error}`,
          remedy:
            "start that member or remove it from CONTROLLER_STORE; check the firewall and its TLS files",
        }
    );
    const up = members.filter((m) => m.error === undefined);
    const quorum = up.length > endpoints.length / 2;
    out.push({
      ok: quorum,
      id: "etcd",
      what: `${up.length} of ${endpoints.length} etcd members of CONTROLLER_STORE answer${
        quorum ? "" : ": no quorum, the controllers cannot write"
      }`,
      remedy: quorum
        ? ""
        : "bring members back until a majority answers (docs/high-availability.md, Without quorum)",
    });
    const live = up[0] ? clients[members.indexOf(up[0])]! : undefined;
    if (!live) return out;
    out.push(await alarms(live));
    out.push(await compaction(live, config.prefix, up[0]!.revision!));
    return out;
  } finally {
    for (const c of clients) c.close();
  }
}

function client(endpoint: string, tls: TlsFiles | undefined): Etcd3 {
  const options: IOptions = {
    hosts: [`${tls ? "https" : "http"}://${endpoint}`],
    dialTimeout: TIMEOUT_MS,
    defaultCallOptions: () => ({ deadline: Date.now() + TIMEOUT_MS }),
    faultHandling: { host: () => passThrough, global: passThrough } as unknown as NonNullable<
      IOptions["faultHandling"]
    >,
  };
  if (tls) {
    options.credentials = {
      rootCertificate: Buffer.from(tls.ca),
      ...(tls.cert ? { certChain: Buffer.from(tls.cert) } : {}),
      ...(tls.key ? { privateKey: Buffer.from(tls.key) } : {}),
    };
  }
  const c = new Etcd3(options);
  if (tls) checkMembersByIp(c, tls);
  return c;
}

/** A cockatiel policy that runs the call once, as it is. */
const passThrough = {
  execute: <T>(fn: (context: { attempt: number; signal: AbortSignal }) => Promise<T>): Promise<T> =>
    fn({ attempt: 1, signal: new AbortController().signal }),
};

async function status(endpoint: string, c: Etcd3): Promise<MemberStatus> {
  try {
    const s = await c.maintenance.status();
    return { endpoint, version: s.version, dbSize: Number(s.dbSize), revision: BigInt(s.header.revision) };
  } catch (e) {
    return { endpoint, error: (e as Error).message };
  }
}

async function alarms(c: Etcd3): Promise<Finding> {
  try {
    const res = await c.maintenance.alarm({ action: AlarmAction.Get });
    const raised = res.alarms.map((a) => {
      const type = typeof a.alarm === "number" ? AlarmType[a.alarm] : String(a.alarm);
      return `${String(type).toUpperCase()} on member ${a.memberID}`;
    }).filter((a) => !a.startsWith("NONE"));
    if (raised.length === 0) return { ok: true, id: "etcd", what: "no etcd alarm is raised", remedy: "" };
    const nospace = raised.some((a) => a.startsWith("NOSPACE"));
    return {
      ok: false,
      id: "etcd",
      what: `etcd alarm raised: ${raised.join(", ")}${nospace ? " (the cluster refuses writes)" : ""}`,
      remedy: nospace
        ? "compact, defragment each member (etcdctl defrag), then etcdctl alarm disarm; set --quota-backend-bytes"
        : "see etcdctl alarm list and etcd's logs",
    };
  } catch (e) {
    return { ok: false, id: "etcd", what: `cannot read etcd alarms: ${(e as Error).message}`, remedy: "" };
  }
}

/**
 * The oldest revision etcd still holds (everything before was compacted), found by reading one
 * key at older revisions (a read below the compacted revision is refused): a binary search.
 */
async function compaction(c: Etcd3, prefix: string, head: bigint): Promise<Finding> {
  const key = Buffer.from(`${prefix}meta/schema`);
  const readable = async (rev: bigint) => {
    try {
      await c.kv.range({ key, revision: String(rev), keys_only: true, limit: "1" });
      return true;
    } catch (e) {
      if (/compacted/i.test((e as Error).message)) return false;
      throw e;
    }
  };
  try {
    let [lo, hi] = [1n, head];
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (await readable(mid)) hi = mid;
      else lo = mid + 1n;
    }
    const history = head - lo;
    const ok = history <= MAX_HISTORY;
    return {
      ok,
      id: "etcd",
      what: `etcd keeps ${history} revisions of history (compacted up to ${lo}, now at ${head})${
        ok ? "" : `: more than ${MAX_HISTORY}, auto-compaction looks off`
      }`,
      remedy: ok
        ? ""
        : "run every member with --auto-compaction-mode=revision --auto-compaction-retention=1000 (docs/high-availability.md)",
    };
  } catch (e) {
    return {
      ok: false,
      id: "etcd",
      what: `cannot tell etcd's compaction: ${(e as Error).message}`,
      remedy: "",
    };
  }
}

function kib(bytes: number): number {
  return Math.round(bytes / 1024);
}

interface TlsFiles {
  ca: Uint8Array;
  cert?: Uint8Array;
  key?: Uint8Array;
}

async function readTls(tls: NonNullable<EtcdStoreConfig["tls"]>): Promise<TlsFiles> {
  return {
    ca: await Deno.readFile(tls.caPath),
    ...(tls.certPath ? { cert: await Deno.readFile(tls.certPath) } : {}),
    ...(tls.keyPath ? { key: await Deno.readFile(tls.keyPath) } : {}),
  };
}
