/**
 * Open control-plane streams by connector, and the pushes made to them: configuration after an
 * admin change, trust bundles after a CA change, revocations. Configuration is always re-read
 * from KV, so the same path works when another controller made the change.
 * @module
 */
import type {
  AgentConfig,
  ControllerMessage,
  RevokedCertificate,
} from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import type { AgentStore } from "../registry/agents.ts";
import type { PolicyStore } from "../registry/policy.ts";
import type { RevokedCertificateStore } from "../registry/revoked.ts";
import type { RevokedCertificateRecord } from "../registry/types.ts";
import type { AccessModel } from "../../shared/access/model.ts";
import { compileConnector } from "../../shared/access/views.ts";

/** The revoked tunneler certificates of `records` as connectors get them (they admit only tunnelers). */
function forConnectors(records: readonly RevokedCertificateRecord[]): RevokedCertificate[] {
  return records.filter((r) => r.role === "tunneler").map((r) => ({
    serial: r.serial,
    notAfterUnixMs: r.notAfter,
    spiffeId: r.spiffeId,
  }));
}

/** One open stream as the hub sees it. */
export interface StreamHandle {
  connectorId: string;
  /** Sends a message on the stream. */
  send(msg: ControllerMessage): void;
  /** Ends the stream (after a revocation). */
  end(): void;
  /** The allowlist last sent (tunneler heartbeats are checked against it). */
  allowed: Set<string>;
  /**
   * The allowlist as stored when the configuration was last sent, revoked tunnelers included
   * (undefined until the first configuration): says which streams a tunneler's change concerns.
   */
  listed?: Set<string>;
  /**
   * The first full list of revoked certificates, sent before the first configuration (set by the
   * hub): no configuration that admits an id reaches a stream before the serials it must refuse.
   */
  revokedSent?: Promise<void> | undefined;
}

/** Registry of open streams. */
export class StreamHub {
  readonly #streams = new Map<string, Set<StreamHandle>>();
  readonly #policy: PolicyStore;
  readonly #agents: AgentStore;
  readonly #revoked: RevokedCertificateStore;
  readonly #heartbeatIntervalMs: number;
  readonly #accessModel: (() => Promise<AccessModel>) | undefined;

  constructor(
    policy: PolicyStore,
    agents: AgentStore,
    revoked: RevokedCertificateStore,
    heartbeatIntervalMs: number,
    /** Resources, groups and policies (`registry/access.ts`): compiled into each connector's grants. */
    accessModel?: () => Promise<AccessModel>,
  ) {
    this.#accessModel = accessModel;
    this.#policy = policy;
    this.#agents = agents;
    this.#revoked = revoked;
    this.#heartbeatIntervalMs = heartbeatIntervalMs;
  }

  /** Number of open streams. */
  get size(): number {
    let n = 0;
    for (const s of this.#streams.values()) n += s.size;
    return n;
  }

  /** Adds a stream; returns the function that removes it. */
  add(h: StreamHandle): () => void {
    let set = this.#streams.get(h.connectorId);
    if (!set) this.#streams.set(h.connectorId, set = new Set());
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0 && this.#streams.get(h.connectorId) === set) this.#streams.delete(h.connectorId);
    };
  }

  /** The configuration of a connector as it is in KV now (revoked tunnelers left out). */
  async configFor(connectorId: string): Promise<AgentConfig> {
    return (await this.#build(connectorId)).config;
  }

  async #build(
    connectorId: string,
    accessModel: Promise<AccessModel> | undefined = this.#accessModel?.(),
  ): Promise<{ config: AgentConfig; listed: string[] }> {
    const [allow, resources, model] = await Promise.all([
      this.#policy.allowlist(connectorId),
      this.#policy.resources(connectorId),
      accessModel,
    ]);
    const all = model ? compileConnector(model, connectorId) : { resources: [], grants: [] };
    const named = [...new Set([...allow, ...all.grants.flatMap((g) => g.tunnelers)])];
    const revoked = new Set(
      (await Promise.all(named.map((id) => this.#agents.get("tunneler", id))))
        .filter((r) => r?.revokedAt !== undefined).map((r) => r!.id),
    );
    const granted = revoked.size > 0 && model ? compileConnector(model, connectorId, revoked) : all;
    return {
      config: {
        heartbeatIntervalMs: this.#heartbeatIntervalMs,
        allowedTunnelers: allow.filter((id) => !revoked.has(id)),
        resources,
        grantedResources: granted.resources,
        grants: granted.grants.map((g) => ({ tunnelerIds: g.tunnelers, resources: g.resources })),
      },
      listed: named,
    };
  }

  /** Sends the current configuration to one stream (after the revoked certificates, the first time). */
  async sendConfig(h: StreamHandle, accessModel?: Promise<AccessModel>): Promise<void> {
    await (h.revokedSent ??= this.#sendRevoked(h).catch((e) => {
      h.revokedSent = undefined; // the next configuration tries again; none goes out before it
      throw e;
    }));
    const { config, listed } = await this.#build(h.connectorId, accessModel ?? this.#accessModel?.());
    h.allowed = new Set([...config.allowedTunnelers, ...config.grants.flatMap((g) => g.tunnelerIds)]);
    h.listed = new Set(listed);
    h.send({ body: { $case: "config", value: config } });
  }

  /** Pushes the configuration to every stream of `connectorId`, or of every connector. */
  async pushConfig(connectorId?: string): Promise<void> {
    const targets = connectorId === undefined
      ? [...this.#streams.values()].flatMap((s) => [...s])
      : [...(this.#streams.get(connectorId) ?? [])];
    // One read of resources, groups and policies serves every stream of this push.
    const model = targets.length > 0 ? this.#accessModel?.() : undefined;
    model?.catch(() => {});
    await Promise.all(targets.map((h) => this.sendConfig(h, model).catch(() => {})));
  }

  /**
   * After a tunneler's registration changed (revoked, or enrolled again after a revocation): pushes
   * the configuration to the streams whose allowlist lists it (and to streams still waiting for
   * their first configuration), not to every stream. Returns how many streams were sent one.
   */
  async pushConfigForTunneler(tunnelerId: string): Promise<number> {
    const targets: StreamHandle[] = [];
    for (const set of this.#streams.values()) {
      for (const h of set) if (!h.listed || h.listed.has(tunnelerId)) targets.push(h);
    }
    await Promise.all(targets.map((h) => this.sendConfig(h).catch(() => {})));
    return targets.length;
  }

  /** Sends one stream the whole list of revoked tunneler certificates. */
  async #sendRevoked(h: StreamHandle): Promise<void> {
    const certificates = forConnectors(await this.#revoked.list());
    if (certificates.length > 0) h.send({ body: { $case: "revokedCertificates", value: { certificates } } });
  }

  /**
   * Pushes newly revoked certificates to every stream: any connector may admit any tunneler once
   * an allowlist or a grant names it, so every connector must refuse them.
   */
  pushRevoked(records: readonly RevokedCertificateRecord[]): void {
    const certificates = forConnectors(records);
    if (certificates.length === 0) return;
    const msg: ControllerMessage = { body: { $case: "revokedCertificates", value: { certificates } } };
    for (const set of this.#streams.values()) for (const h of set) h.send(msg);
  }

  /** Pushes a trust bundle to every stream. */
  pushBundle(caPem: string[]): void {
    for (const set of this.#streams.values()) {
      for (const h of set) h.send({ body: { $case: "trustBundle", value: { caPem } } });
    }
  }

  /** Sends a revocation to a connector's streams and ends them. */
  revoke(connectorId: string, spiffeId: string, reason: string): void {
    for (const h of this.#streams.get(connectorId) ?? []) {
      h.send({ body: { $case: "revocation", value: { spiffeId, reason } } });
      h.end();
    }
    this.#streams.delete(connectorId);
  }

  /** Ends every stream (shutdown). */
  endAll(): void {
    for (const set of this.#streams.values()) for (const h of set) h.end();
    this.#streams.clear();
  }
}
