/**
 * Several real controller processes acting as one: a three-member etcd cluster on loopback, one
 * CA and one sealing key (CA_KEY_ENCRYPTION_KEY_FILE) shared by every controller, each controller
 * with its own ports and state directory, all on `CONTROLLER_STORE=etcd://…`. Agents enroll and
 * renew through the real agent code (shared/agent/enroll.ts) against any of them.
 * @module
 */
import { initCa } from "../../controller/init_ca.ts";
import { AgentCredentials } from "../../shared/agent/credentials.ts";
import { enroll, renew } from "../../shared/agent/enroll.ts";
import { TrustBundle } from "../../shared/pki/bundle.ts";
import { type EtcdCluster, startEtcdCluster } from "../support/etcd_cluster.ts";
import { makeTestDir } from "../support/paths.ts";
import { prepareController, type TestController } from "../support/controller.ts";
import type { RunningProgram } from "../support/process.ts";

/** The trust domain of every HA test. */
export const TD = "postern.internal";

/** One controller of the group. */
export interface HaController extends TestController {
  process: RunningProgram;
}

/** A group of controllers on one etcd cluster. */
export interface Ha extends AsyncDisposable {
  dir: string;
  etcd: EtcdCluster;
  caCertPem: string;
  controllers: HaController[];
  /** An enrollment token made through controller `i`. */
  token(i: number, role: "connector" | "tunneler", id?: string): Promise<string>;
  /** Enrolls agent `id` through controller `i` with the real agent code. */
  enroll(
    i: number,
    o: { token: string; id: string; role: "connector" | "tunneler" },
  ): Promise<AgentCredentials>;
  /** Renews `creds` through controller `i` with the real agent code. */
  renew(
    i: number,
    creds: AgentCredentials,
    o: { id: string; role: "connector" | "tunneler" },
  ): Promise<AgentCredentials>;
  close(): Promise<void>;
}

/** The private IP every HA test connector claims. */
export const CONNECTOR_IP = "127.0.0.1";

/** Options of {@link startHa}. */
export interface HaOptions {
  /** Start the controllers at the same time instead of one after the other. */
  together?: boolean;
  /** Writes into etcd before any controller starts (a store of an older layout). */
  seed?: (etcd: EtcdCluster) => Promise<void>;
}

/** Starts etcd (three members) and `count` controllers on it (plus `env`), each ready. */
export async function startHa(count = 2, env: Record<string, string> = {}, o: HaOptions = {}): Promise<Ha> {
  const dir = await makeTestDir({ prefix: "postern-ha-" });
  const etcd = await startEtcdCluster({ members: 3 });
  const controllers: HaController[] = [];
  const close = async () => {
    await Promise.all(controllers.map((c) => c.process.stop()));
    await etcd.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const { certPath, keyPath } = await initCa(`${dir}/shared-ca`);
    const sealingKey = `${dir}/ca-key-encryption.key`;
    await Deno.writeTextFile(
      sealingKey,
      btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
      {
        mode: 0o600,
      },
    );
    await o.seed?.(etcd);
    const prepared: TestController[] = [];
    for (let i = 0; i < count; i++) {
      prepared.push(
        await prepareController(`${dir}/c${i}`, {
          INTERNAL_CA_CERT_FILE: certPath,
          INTERNAL_CA_KEY_FILE: keyPath,
          CONTROLLER_STORE: etcd.storeUrl,
          CA_KEY_ENCRYPTION_KEY_FILE: sealingKey,
          ...env,
        }),
      );
    }
    if (o.together) {
      const started = await Promise.allSettled(prepared.map((tc) => tc.start()));
      started.forEach((r, i) =>
        r.status === "fulfilled" && controllers.push({ ...prepared[i]!, process: r.value })
      );
      const failed = started.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } else {
      for (const tc of prepared) controllers.push({ ...tc, process: await tc.start() });
    }
    const caCertPem = await Deno.readTextFile(certPath);
    const controllerCa = TrustBundle.fromPem(caCertPem);
    const at = (i: number) => {
      const c = controllers[i];
      if (!c) throw new RangeError(`no controller ${i}: the group has ${controllers.length}`);
      return c;
    };
    /** What enroll and renew through controller `i` share. */
    const agentCall = (i: number, o: { id: string; role: "connector" | "tunneler" }) => ({
      controllerAddr: at(i).grpcAddr,
      trustDomain: TD,
      role: o.role,
      id: o.id,
      ...(o.role === "connector" ? { privateIp: CONNECTOR_IP } : {}),
      timeoutMs: 10_000,
    });
    return {
      dir,
      etcd,
      caCertPem,
      controllers,
      async token(i, role, id) {
        const res = await at(i).admin("POST", "/api/admin/tokens", { role, ...(id ? { id } : {}) });
        if (res.status !== 201) {
          throw new Error(`token through controller ${i}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        return res.body.token;
      },
      async enroll(i, o) {
        const { svid, bundle } = await enroll({ ...agentCall(i, o), controllerCa, token: o.token });
        return new AgentCredentials(svid, bundle);
      },
      async renew(i, creds, o) {
        const { svid, bundle } = await renew(creds, agentCall(i, o));
        return new AgentCredentials(svid, bundle);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
