/**
 * What both agent programs do around their own work: load the stored identity or enroll,
 * renew, write status.json, reload on SIGHUP, drain on SIGTERM.
 * @module
 */
import { ConfigError } from "../config/config_error.ts";
import type { Logger } from "../log/logger.ts";
import { type CommonAgentConfig, readControllerCa } from "./config.ts";
import { AgentCredentials } from "./credentials.ts";
import { checkIssued } from "./enroll.ts";
import { type IdentityStore, type StoredIdentity } from "./identity_store.ts";
import { runRenewalLoop } from "./renewal.ts";
import { EarlyRenewal } from "../renewal/schedule.ts";
import { type RuntimeStatus, writeStatus } from "./status.ts";
import { AgentState } from "./agent_state.ts";
import { Rotation } from "./rotation.ts";
import { enrollAtAnyController, renewAtAnyController } from "./controllers.ts";

/**
 * The stored identity, or a new one from enrollment when none is stored; enrollment goes to the
 * first of `controllers` that answers (see controllers.ts).
 *
 * @throws {ConfigError} `ENROLLMENT_TOKEN is required` (1.1), `failed to read controller CA` (1.3)
 * @throws {EnrollmentRefusedError} `invalid enrollment token` (1.2)
 */
export async function loadOrEnroll(
  cfg: CommonAgentConfig,
  store: IdentityStore,
  log: Logger,
  privateIp?: string,
  controllers: Rotation<string> = new Rotation(cfg.controllerAddrs),
): Promise<{ identity: StoredIdentity; enrolled: boolean }> {
  if (await store.exists()) {
    const identity = await store.load();
    if (identity.meta.id !== cfg.id || identity.meta.role !== cfg.role) {
      throw new ConfigError(
        `${store.dir} holds the identity "${identity.meta.spiffe_id}", not ${cfg.role} "${cfg.id}": use another state directory or remove it to enroll again`,
      );
    }
    return { identity, enrolled: false };
  }
  if (!cfg.token) {
    throw new ConfigError(
      `ENROLLMENT_TOKEN is required: no identity is stored in ${store.dir}; create a ${cfg.role} token (POST /api/admin/tokens) and set ENROLLMENT_TOKEN`,
      { failureMode: "1.1" },
    );
  }
  const controllerCa = await readControllerCa(cfg.controllerCaPath);
  const { svid, bundle } = await enrollAtAnyController(controllers, {
    controllerCa,
    trustDomain: cfg.trustDomain,
    role: cfg.role,
    id: cfg.id,
    token: cfg.token,
    ...(privateIp ? { privateIp } : {}),
  }, log);
  const identity: StoredIdentity = {
    svid,
    bundle,
    meta: {
      spiffe_id: svid.spiffeId.uri,
      role: cfg.role,
      id: cfg.id,
      trust_domain: cfg.trustDomain,
      ...(privateIp ? { private_ip: privateIp } : {}),
      enrolled_at: new Date().toISOString(),
    },
  };
  await store.save(identity);
  log.info("enrolled", {
    spiffe_id: svid.spiffeId.uri,
    not_after: svid.notAfter.toISOString(),
    state_dir: store.dir,
  });
  return { identity, enrolled: true };
}

export { AgentState } from "./agent_state.ts";

/** The agent-specific part of a running program. */
export interface AgentWork {
  /** Runs until the signal aborts (resolves) or a non-retryable failure (rejects). */
  done: Promise<void>;
  /** Stops accepting and waits for open connections. */
  drain(): Promise<void>;
  /** Numbers for status.json. */
  stats(): { sessions: number; bytesIn: number; bytesOut: number; details?: Record<string, unknown> };
}

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  cfg: CommonAgentConfig;
  store: IdentityStore;
  log: Logger;
  privateIp?: string;
  /**
   * Starts the program's own loops with the credentials. `renewSoon` asks for an early renewal from
   * the controller (at most one a minute is granted; see EarlyRenewal): the way a connector's hint
   * reaches a tunneler without the connector ever changing its trust.
   */
  start(
    creds: AgentCredentials,
    state: AgentState,
    signal: AbortSignal,
    renewSoon: () => boolean,
  ): Promise<AgentWork>;
  /** Status file period; default 2 000 ms. */
  statusEveryMs?: number;
}

/** Runs an agent until SIGTERM/SIGINT (exit 0) or a non-retryable failure (throws). */
export async function runAgent(opts: RunAgentOptions): Promise<number> {
  const { cfg, store, log } = opts;
  const state = new AgentState(cfg.controllerAddrs);
  const { identity } = await loadOrEnroll(cfg, store, log, opts.privateIp, state.controllers);
  log.info("identity loaded", {
    spiffe_id: identity.svid.spiffeId.uri,
    expires_at: identity.svid.notAfter.toISOString(),
  });
  const creds = new AgentCredentials(identity.svid, identity.bundle);
  const abort = new AbortController();
  const meta = identity.meta;
  const early = new EarlyRenewal();

  const renewal = runRenewalLoop({
    creds,
    log,
    signal: abort.signal,
    issuedAt: Date.parse(meta.renewed_at ?? meta.enrolled_at),
    // Any controller that answers renews; when none does, the outage budget runs.
    renewOnce: () =>
      renewAtAnyController(state, creds, {
        trustDomain: cfg.trustDomain,
        role: cfg.role,
        id: cfg.id,
        ...(meta.private_ip ? { privateIp: meta.private_ip } : {}),
      }, log),
    persist: (svid, bundle) =>
      store.save({ svid, bundle, meta: { ...meta, renewed_at: new Date().toISOString() } }),
    early,
  });
  // Every change of trust (a renewal, the controller's push to a connector) is logged and stored.
  // Only paths that trust_policy.ts allows call creds.update with a bundle.
  let trusted = creds.bundle.fingerprints().join();
  creds.onChange((_s, bundle) => {
    if (bundle.fingerprints().join() === trusted) return;
    trusted = bundle.fingerprints().join();
    log.info("trust bundle updated", { fingerprints: bundle.fingerprints() });
    void store.saveBundle(bundle).catch((e) =>
      log.warn("cannot save the trust bundle; it is in force until the agent restarts", {
        error: (e as Error).message,
      })
    );
  });

  const work = await opts.start(creds, state, abort.signal, () => early.request());

  const writeNow = async () => {
    const s = work.stats();
    const status: RuntimeStatus = {
      pid: Deno.pid,
      updated_at: new Date().toISOString(),
      control_plane: state.controlPlane,
      ...(state.connectedSince ? { connected_since: state.connectedSince } : {}),
      reconnects: state.reconnects,
      controller: state.controllers.current,
      ...(state.controllerUnreachableSince
        ? { controller_unreachable_since: state.controllerUnreachableSince }
        : {}),
      certificate_not_after: creds.svid.notAfter.toISOString(),
      sessions: s.sessions,
      bytes_in: s.bytesIn,
      bytes_out: s.bytesOut,
      ...(s.details ? { details: s.details } : {}),
    };
    await writeStatus(store.dir, status).catch((e) => log.debug("cannot write status", { error: e.message }));
  };
  await writeNow();
  const statusTimer = setInterval(writeNow, opts.statusEveryMs ?? 2_000);

  let stopping: string | undefined;
  const stop = new Promise<void>((resolve) => {
    const onStop = (sig: string) => () => {
      stopping = sig;
      resolve();
    };
    Deno.addSignalListener("SIGTERM", onStop("SIGTERM"));
    Deno.addSignalListener("SIGINT", onStop("SIGINT"));
  });
  const reload = async () => {
    try {
      const fresh = await store.load();
      // The same identity, and usable: key match, SPIFFE ID, IP SAN, chain to its bundle.
      await checkIssued(fresh.svid.certPem, fresh.svid.keyPem, fresh.bundle, {
        trustDomain: cfg.trustDomain,
        role: cfg.role,
        id: cfg.id,
        ...(meta.private_ip ? { privateIp: meta.private_ip } : {}),
      });
      creds.update({ svid: fresh.svid, bundle: fresh.bundle });
      log.info("identity reloaded from disk", {
        spiffe_id: fresh.svid.spiffeId.uri,
        expires_at: fresh.svid.notAfter.toISOString(),
      });
    } catch (e) {
      log.error("identity reload failed; keeping the current identity", { error: (e as Error).message });
    }
  };
  Deno.addSignalListener("SIGHUP", () => void reload());

  let failure: unknown;
  await Promise.race([
    stop,
    work.done.catch((e) => (failure = e)),
    renewal.catch((e) => (failure = e)),
  ]);
  if (stopping) log.info("stopping: draining open connections", { signal: stopping });
  abort.abort();
  clearInterval(statusTimer);
  await work.drain();
  state.controlPlane = "stopped";
  await writeNow();
  if (failure) throw failure;
  return 0;
}
