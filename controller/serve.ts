/**
 * `serve`: opens the store, the CA state, issues the controller's SVID, starts gRPC and the admin API.
 * @module
 */
import { startEventsSink } from "./events_sink.ts";
import { SvidSource } from "../shared/grpc/svid_source.ts";
import type { Logger } from "../shared/log/logger.ts";
import { listenAdmin } from "./admin/listen.ts";
import { adminHandler } from "./admin/router.ts";
import { type ControllerConfig, loadCaFrom, rereadCaSource, storeOf } from "./config.ts";
import { bindGrpc, createGrpcServer } from "./grpc/server.ts";
import { followStore } from "./grpc/hub_follow.ts";
import { openContext, type OpenedContext } from "./open.ts";
import { controllerName, keepOwnSvidFresh, refreshOwnSvid } from "./own_svid.ts";
import { describeStore, type OpenEtcdStore, openStore } from "./store/open.ts";
import { PLAIN_CA_KEYS, sealedCaKeys } from "./store/sealed_key.ts";
import { ensureSchema } from "./store/schema.ts";
import { watchEventLoop } from "./event_loop_stalls.ts";
import { exportProcessMemory } from "./process_memory.ts";

/** A running controller. */
export interface RunningController {
  ctx: OpenedContext;
  grpcPort: number;
  adminPort: number;
  /** SIGHUP: re-reads the CA files; keeps the old CA on failure. */
  reloadCa(): Promise<void>;
  /** SIGTERM: ends streams, stops servers, closes the store. */
  stop(): Promise<void>;
}

/** Starts everything; throws `... bind: address already in use` when a port is taken (5.3). */
export async function startController(
  config: ControllerConfig,
  log: Logger,
  clock: { now?: () => number } = {},
): Promise<RunningController> {
  // etcd3 is loaded only when it is used: it reads its protobuf files as it loads.
  const etcd: OpenEtcdStore = async (c) => {
    const { openEtcdStoreFromConfig, storeLog } = await import("./store/etcd_store_open.ts");
    return await openEtcdStoreFromConfig(c, { log: storeLog(log) });
  };
  const store = await openStore(storeOf(config), { etcd });
  const cleanups: Array<() => unknown> = [() => store.close()];
  try {
    // Before anything reads the state: a store of a newer layout is refused (exit 2).
    await ensureSchema(store, { log });
    const ctx = await openContext({
      settings: config,
      store,
      ca: config.ca,
      caKeyPem: config.caSource.keyPem,
      caKeys: config.sealingKey ? sealedCaKeys(config.sealingKey) : PLAIN_CA_KEYS,
      log,
      ...clock,
    });
    cleanups.push(() => ctx.agents.close());
    if (config.eventsSink) {
      const sink = await startEventsSink(ctx.events, config.eventsSink, log);
      cleanups.push(() => sink.close());
    }
    let caSource = config.caSource;
    const source = new SvidSource(ctx.ca.bundle.toPem());
    const name = controllerName();
    const issuedAt = Date.now();
    const own = keepOwnSvidFresh(ctx, source, name, {
      validity: await refreshOwnSvid(ctx, source, name),
      issuedAt,
    });
    cleanups.push(own.stop);
    ctx.ca.onChange(() => {
      ctx.hub.pushBundle(ctx.ca.bundle.pems());
      own.reissue();
    });
    // A rotation through another controller sharing the store arrives by the CaManager's watch.
    cleanups.push(() => ctx.ca.close());
    // Policy changes and revocations made through another controller arrive by watch too (Deno KV
    // is never shared: there the pushes of the change itself are the only ones).
    if (ctx.store.kind === "etcd") {
      const following = followStore(
        ctx.store,
        ctx.hub,
        (e) => log.warn("push after a store change failed", { error: e }),
      );
      cleanups.push(() => following.close());
    }

    const http = await listenAdmin(
      { addr: config.adminAddr, log, ...(config.adminTls ? { tls: config.adminTls } : {}) },
      adminHandler(ctx, { adminToken: config.adminToken }),
    );
    cleanups.push(() => http.shutdown());
    const adminPort = http.port;

    const server = createGrpcServer(ctx, config.grpcHandshakes);
    const grpcPort = await bindGrpc(server, config.grpcAddr, source);
    ctx.setServing(true);
    cleanups.push(() =>
      new Promise<void>((resolve) => {
        ctx.setServing(false);
        const force = setTimeout(() => server.forceShutdown(), 3000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
        // The GOAWAY above goes out while every control stream is still open, and only then are
        // the streams ended: agents see one orderly shutdown (GOAWAY, then the end of the stream).
        ctx.hub.endAll();
      })
    );
    ctx.presence.start();
    cleanups.push(() => ctx.presence.stop());
    cleanups.push(() => ctx.refusals.flush());
    cleanups.push(() => ctx.events.flushFlow());
    // From here on: the start's own work (CA, first certificate, listeners) is not a stall.
    cleanups.push(watchEventLoop(ctx.metrics, { log }).stop);
    exportProcessMemory(ctx.metrics);
    log.info("controller serving", {
      grpc_port: grpcPort,
      admin_port: adminPort,
      admin_tls: config.adminTls !== undefined,
      trust_domain: config.trustDomain,
      signing_ca: ctx.ca.signing.fingerprint,
      state_dir: config.stateDir,
      store: describeStore(storeOf(config)),
    });
    const stop = async () => {
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          await fn();
        } catch (e) {
          log.warn("shutdown step failed", { error: e });
        }
      }
    };
    return {
      ctx,
      grpcPort,
      adminPort,
      stop,
      async reloadCa() {
        try {
          const next = await rereadCaSource(caSource);
          const ca = await loadCaFrom(next);
          const changed = await ctx.ca.reloadConfigured(ca, next.keyPem);
          caSource = next;
          log.info(changed ? "CA reloaded: new CA trusted and signing" : "CA reloaded: unchanged", {
            fingerprint: ca.fingerprint,
          });
        } catch (e) {
          log.error("CA reload failed, keeping the current CA", { error: (e as Error).message });
        }
      },
    };
  } catch (e) {
    for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {});
    throw e;
  }
}
