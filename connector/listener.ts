/**
 * The connector's tunneler listener (CONNECTOR_LISTEN_ADDR): mutual TLS through node:tls. A
 * client without a certificate, or with one from a CA outside the trust bundle, is refused in
 * the handshake itself; each peer that completes it is then verified here (SPIFFE ID, trust
 * domain, SVID profile, role tunneler, allowlist: one pipeline, shared/dataplane/peer.ts), then one
 * TunnelHello frame: an OpenTunnel (checked against the resources, dialed, spliced) or a
 * heartbeat session (TunnelerHeartbeat up, HeartbeatAck down).
 * @module
 */
import tls from "node:tls";
import type net from "node:net";
import type { AddressInfo } from "node:net";
import type { Buffer } from "node:buffer";
import {
  decodeFrame,
  encodeFrame,
  FrameDecoder,
  readMessage,
  TUNNELER_NOT_ALLOWED,
} from "../shared/dataplane/framing.ts";
import { type Splice, splice } from "../shared/dataplane/splice.ts";
import { verifyTlsPeerCached } from "../shared/dataplane/peer.ts";
import { allOf, authorizeAllowlist, authorizeRole } from "../shared/pki/authorize.ts";
import { describeRefusal, PeerVerificationError } from "../shared/pki/refusal.ts";
import type { Svid } from "../shared/pki/svid.ts";
import type { TrustBundle } from "../shared/pki/bundle.ts";
import { tlsRefusal } from "../shared/grpc/tls_errors.ts";
import { createTlsServer } from "../shared/repairs/mod.ts";
import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";
import type { AgentCredentials } from "../shared/agent/credentials.ts";
import { HeartbeatAck, TunnelHello, TunnelReply } from "../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { TunnelerHeartbeat, type TunnelEvent } from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { ConnectorPolicy, type PolicyChange } from "./policy.ts";
import type { Allowed, RefusalReason } from "../shared/access/decision.ts";
import { HandshakeGuard } from "../shared/tls/handshake_guard.ts";
import type { Logger } from "../shared/log/logger.ts";

const UNKNOWN_CA_HINT = "[2.1] x509: certificate signed by unknown authority";

/** Options of {@link TunnelListener}. */
export interface TunnelListenerOptions {
  creds: AgentCredentials;
  trustDomain: string;
  log: Logger;
  /** Close a tunnel after this long without traffic; default 15 minutes. */
  idleTimeoutMs?: number;
  /** Allowlist, resources, revoked serials and heartbeat interval; default a new, empty one. */
  policy?: ConnectorPolicy;
  /** Destroy a connection that has not finished its TLS handshake after this long; default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Most unfinished TLS handshakes at once; more are closed on arrival; default 256. */
  maxPendingHandshakes?: number;
  /** Time a verified tunneler has to send its TunnelHello; default 10 000 ms. */
  helloTimeoutMs?: number;
}

/**
 * One tunnel as the connection audit reports it: the wire's `TunnelEvent` (control_plane.proto),
 * with its kind and refusal reason narrowed to the values the listener produces.
 */
export type TunnelEventInfo = Omit<TunnelEvent, "kind" | "reason"> & {
  kind: "tunnel.opened" | "tunnel.closed" | "tunnel.refused";
  /** Empty unless the tunnel was refused. */
  reason: RefusalReason | "";
};

interface TunnelerState {
  sockets: Set<tls.TLSSocket>;
  tunnels: Set<Splice>;
  /** What allowed each live tunnel, and its TLS socket: re-decided on every policy change. */
  decisions: Map<Splice, { allowed: Allowed; socket: tls.TLSSocket }>;
  bytesIn: number;
  bytesOut: number;
}

/** The listener; allowlist and resources start empty (deny by default). */
export class TunnelListener {
  readonly #opts: TunnelListenerOptions;
  readonly #server: tls.Server;
  /** What the control plane set: read on every connection, never written here. */
  readonly policy: ConnectorPolicy;
  /** The certificate serial each admitted session presented. */
  readonly #serialOf = new WeakMap<tls.TLSSocket, string>();
  readonly #tunnelers = new Map<string, TunnelerState>();
  readonly #all = new Set<tls.TLSSocket>();
  /** Refused peers by failure mode, for /metrics. */
  readonly #failures = new Map<FailureModeId, number>();
  /** Heartbeat sessions: closed at once on drain, unlike tunnels, which may finish. */
  readonly #heartbeatSessions = new Set<tls.TLSSocket>();
  #stopCreds: () => void;
  #stopPolicy: () => void;
  #relay: ((hb: TunnelerHeartbeat) => void) | undefined;
  #audit: ((e: TunnelEventInfo) => void) | undefined;
  readonly #handshakes: HandshakeGuard;

  constructor(opts: TunnelListenerOptions) {
    this.#opts = opts;
    this.policy = opts.policy ?? new ConnectorPolicy({ log: opts.log });
    this.#stopPolicy = this.policy.onChange((change) => this.#enforce(change));
    const { svid, bundle } = opts.creds;
    const handshakeTimeout = opts.handshakeTimeoutMs ?? 10_000;
    this.#handshakes = new HandshakeGuard({
      log: opts.log,
      timeoutMs: handshakeTimeout,
      maxPending: opts.maxPendingHandshakes ?? 256,
    });
    this.#server = createTlsServer({
      ...secureContextOf(svid, bundle),
      requestCert: true,
      rejectUnauthorized: true,
      allowHalfOpen: true,
      handshakeTimeout,
    } as tls.TlsOptions, (socket) => {
      this.#handshakes.secured(socket);
      void this.#accept(socket);
    });
    this.#server.on("connection", (raw: net.Socket) => this.#handshakes.admit(raw));
    // The runtime tells the refused client little ("socket hang up"); the log names the reason.
    // Deno's node:tls reports a failed or timed-out handshake here but leaves the socket open.
    this.#server.on("tlsClientError", (err: Error, socket?: tls.TLSSocket) => {
      const remote = socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
      const refusal = tlsRefusal(err.message);
      this.#countFailure(refusal?.failureMode);
      opts.log.warn("refused peer in the TLS handshake", {
        ...(remote ? { remote } : {}),
        error: refusal ? describeRefusal(refusal) : err.message,
        ...(refusal?.failureMode ? { failure_mode: refusal.failureMode } : {}),
        // Deno reports a client certificate its verifier refused only as a reset.
        ...(refusal ? {} : {
          hint:
            `a client certificate not issued by a CA of the trust bundle is refused this way: ${UNKNOWN_CA_HINT}`,
        }),
      });
      socket?.destroy();
    });
    // Renewal and CA rotation: new handshakes get the new certificate and bundle together; open
    // connections keep theirs. (An Svid's key and certificate were checked to match when it was
    // built: Deno's setSecureContext() would take a broken pair and fail every handshake.)
    this.#stopCreds = opts.creds.onChange((s, b) => this.#server.setSecureContext(secureContextOf(s, b)));
  }

  /**
   * Starts listening; resolves with the bound port. `reusePort` (default false, which the
   * connector uses): SO_REUSEPORT, so that several listeners share the port and the kernel spreads
   * connections over them, as the data-plane worker prototype of bench/datapath_probe.ts does.
   * Linux admits only sockets of the same user to such a group; without it, a second bind fails.
   */
  listen(hostname: string, port: number, opts: { reusePort?: boolean } = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ port, host: hostname || "0.0.0.0", reusePort: opts.reusePort ?? false }, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Sends each tunneler heartbeat (tunneler_id set from the verified certificate) to `relay`
   * (the control plane); replaces the previous one.
   */
  onTunnelerHeartbeat(relay: (hb: TunnelerHeartbeat) => void): void {
    this.#relay = relay;
  }

  /** Sends each tunnel event (opened, closed, refused) to `audit`; replaces the previous one. */
  onTunnelEvent(audit: (e: TunnelEventInfo) => void): void {
    this.#audit = audit;
  }

  #event(
    e:
      & Omit<
        TunnelEventInfo,
        "atUnixMs" | "bytesIn" | "bytesOut" | "durationMs" | "reason" | "error" | "resource"
      >
      & Partial<TunnelEventInfo>,
  ): void {
    const event = {
      atUnixMs: Date.now(),
      resource: "",
      bytesIn: 0,
      bytesOut: 0,
      durationMs: 0,
      reason: "" as const,
      error: "",
      ...e,
    };
    // Bounded, so that a batch of events stays far below the controller's message limit.
    event.destination = event.destination.slice(0, MAX_DESTINATION);
    event.error = event.error.slice(0, 256);
    this.#audit?.(event);
  }

  /** A policy change: sessions it no longer admits are closed at once. */
  #enforce(change: PolicyChange): void {
    if (change === "allowlist") this.#closeRemovedTunnelers();
    else this.#closeRevokedSessions();
  }

  /** Tunnelers no longer admitted lose their live sessions; the others, the tunnels no longer allowed. */
  #closeRemovedTunnelers(): void {
    const access = this.policy.access;
    for (const [id, state] of this.#tunnelers) {
      if (this.policy.allows(id)) {
        const gone = [...state.decisions].filter(([, d]) => !access.stillAllows(id, d.allowed));
        if (gone.length > 0) {
          this.#opts.log.info("closing tunnels no longer allowed", { tunneler_id: id, tunnels: gone.length });
        }
        for (const [t, d] of gone) {
          t.close();
          d.socket.destroy();
        }
        continue;
      }
      if (state.sockets.size > 0) {
        this.#opts.log.info("closing sessions of a tunneler removed from the allowlist", {
          tunneler_id: id,
          sessions: state.sockets.size,
        });
      }
      for (const s of state.sockets) s.destroy();
      for (const t of state.tunnels) t.close();
    }
  }

  /** Sessions of a certificate revoked now are closed. */
  #closeRevokedSessions(): void {
    const now = Date.now();
    for (const [id, state] of this.#tunnelers) {
      const revoked = [...state.sockets].filter((s) => {
        const serial = this.#serialOf.get(s);
        return serial !== undefined && this.policy.isRevoked(serial, now);
      });
      if (revoked.length === 0) continue;
      this.#opts.log.info("closing sessions of a revoked tunneler certificate", {
        tunneler_id: id,
        sessions: revoked.length,
      });
      for (const s of revoked) s.destroy();
    }
  }

  /** Live TLS sessions, total and per tunneler, with byte counts (to resources = in). */
  stats(): {
    sessions: number;
    bytesIn: number;
    bytesOut: number;
    perTunneler: Map<string, TunnelerState>;
    /** TCP connections whose TLS handshake has not finished yet. */
    pendingHandshakes: number;
    /** Refused peers by failure mode (2.1, 2.3, 3.3), since start. */
    failures: ReadonlyMap<FailureModeId, number>;
  } {
    let bytesIn = 0, bytesOut = 0;
    for (const id of this.#tunnelers.keys()) {
      const b = this.tunnelerBytes(id);
      bytesIn += b.bytesIn;
      bytesOut += b.bytesOut;
    }
    return {
      sessions: this.#all.size,
      bytesIn,
      bytesOut,
      perTunneler: this.#tunnelers,
      pendingHandshakes: this.#handshakes.pending,
      failures: this.#failures,
    };
  }

  #countFailure(mode: FailureModeId | undefined): void {
    if (mode) this.#failures.set(mode, (this.#failures.get(mode) ?? 0) + 1);
  }

  /** Bytes of one tunneler including live tunnels. */
  tunnelerBytes(id: string): { bytesIn: number; bytesOut: number; connections: number } {
    const st = this.#tunnelers.get(id);
    if (!st) return { bytesIn: 0, bytesOut: 0, connections: 0 };
    let bytesIn = st.bytesIn, bytesOut = st.bytesOut;
    for (const t of st.tunnels) {
      bytesIn += t.bytesToConn;
      bytesOut += t.bytesFromConn;
    }
    return { bytesIn, bytesOut, connections: st.tunnels.size };
  }

  /** Stops accepting; waits up to `graceMs` for open tunnels to finish, then closes the rest. */
  async close(graceMs = 5_000): Promise<void> {
    this.#stopCreds();
    this.#stopPolicy();
    this.#handshakes.close();
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    for (const s of this.#heartbeatSessions) s.destroy();
    const deadline = Date.now() + graceMs;
    while (this.#all.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of this.#all) s.destroy();
    await closed;
  }

  async #accept(socket: tls.TLSSocket): Promise<void> {
    const log = this.#opts.log;
    socket.setNoDelay(true);
    socket.pause();
    this.#all.add(socket);
    socket.once("close", () => this.#all.delete(socket));
    socket.on("error", () => {}); // reported where it matters; never crash the listener
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let tunnelerId: string;
    let serial: string;
    let seenId = "";
    try {
      const peer = await verifyTlsPeerCached(socket, this.#opts.creds.bundle, {
        trustDomain: this.#opts.trustDomain,
        // Who may pass the listener: a tunneler the live policy admits (allowlist or grant).
        authorize: allOf(
          authorizeRole("tunneler"),
          (p) => void (seenId = p.id),
          authorizeAllowlist((id) => this.policy.allows(id)),
        ),
      });
      tunnelerId = peer.spiffeId.id;
      serial = peer.certificate.serialNumber;
    } catch (e) {
      const refusal = e instanceof PeerVerificationError ? e : undefined;
      this.#countFailure(refusal?.failureMode);
      // The log says exactly why; the refused peer learns only that it is not allowed (3.3),
      // which is the one refusal it can act on, or nothing.
      log.warn("refused peer", {
        remote,
        error: refusal ? describeRefusal(refusal) : (e as Error).message,
        ...(refusal?.failureMode ? { failure_mode: refusal.failureMode } : {}),
      });
      if (refusal?.reason === "not_allowed") {
        this.#event({
          kind: "tunnel.refused",
          tunnelerId: seenId,
          destination: "",
          reason: "not_allowed",
          error: refusal.message,
        });
        refuse(
          socket,
          encodeFrame(TunnelReply.encode({ ok: false, error: TUNNELER_NOT_ALLOWED }).finish()),
        );
      } else socket.destroy();
      return;
    }
    if (this.policy.isRevoked(serial)) {
      log.warn("refused peer", {
        remote,
        tunneler_id: tunnelerId,
        error: `certificate revoked: serial "${serial.toLowerCase()}" of tunneler "${tunnelerId}"`,
      });
      this.#event({
        kind: "tunnel.refused",
        tunnelerId,
        destination: "",
        reason: "not_allowed",
        error: "certificate revoked",
      });
      refuse(socket, encodeFrame(TunnelReply.encode({ ok: false, error: TUNNELER_NOT_ALLOWED }).finish()));
      return;
    }
    this.#serialOf.set(socket, serial);
    let state = this.#tunnelers.get(tunnelerId);
    if (!state) {
      state = { sockets: new Set(), tunnels: new Set(), decisions: new Map(), bytesIn: 0, bytesOut: 0 };
      this.#tunnelers.set(tunnelerId, state);
    }
    const st = state;
    st.sockets.add(socket);
    socket.once("close", () => st.sockets.delete(socket));

    let hello: TunnelHello;
    try {
      hello = await readMessage(socket, TunnelHello, "tunnel hello", this.#opts.helloTimeoutMs ?? 10_000);
    } catch (e) {
      log.warn("bad tunnel hello", { remote, tunneler_id: tunnelerId, error: (e as Error).message });
      socket.destroy();
      return;
    }
    const reply = (ok: boolean, error = "") => encodeFrame(TunnelReply.encode({ ok, error }).finish());
    const kind = hello.kind;
    if (kind?.$case === "heartbeat") {
      socket.write(reply(true));
      this.#heartbeatSession(socket, tunnelerId);
      return;
    }
    if (kind?.$case !== "open") {
      refuse(socket, reply(false, "unknown request"));
      return;
    }
    const dest = kind.value.destination;
    if (dest.length > MAX_DESTINATION) {
      const error = `destination too long: at most ${MAX_DESTINATION} characters`;
      log.warn("tunnel refused", { tunneler_id: tunnelerId, destination: `${dest.slice(0, 64)}…`, error });
      refuse(socket, reply(false, error));
      return;
    }
    const check = await this.policy.access.allow(tunnelerId, dest);
    if (!check.ok) {
      log.warn("tunnel refused", { tunneler_id: tunnelerId, destination: dest, error: check.error });
      this.#event({
        kind: "tunnel.refused",
        tunnelerId,
        destination: dest,
        reason: check.reason,
        error: check.error,
      });
      refuse(socket, reply(false, check.error));
      return;
    }
    const resource = check.resource ?? "";
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect({ hostname: check.host, port: check.port });
    } catch (e) {
      const error = (e as Error).message;
      log.warn("tunnel dial failed", { tunneler_id: tunnelerId, destination: dest, error });
      this.#event({
        kind: "tunnel.refused",
        tunnelerId,
        resource,
        destination: dest,
        reason: "dial_failed",
        error,
      });
      refuse(socket, reply(false, `dial ${dest}: ${error}`));
      return;
    }
    // The policy may have changed during the dial: decide again on the configuration in force.
    if (socket.destroyed || !this.policy.access.stillAllows(tunnelerId, check)) {
      upstream.close();
      if (!socket.destroyed) {
        const error = `resource not allowed: "${dest}"`;
        this.#event({
          kind: "tunnel.refused",
          tunnelerId,
          resource,
          destination: dest,
          reason: "no_grant",
          error,
        });
        refuse(socket, reply(false, error));
      }
      return;
    }
    upstream.setNoDelay(true);
    socket.write(reply(true));
    log.debug("tunnel open", { tunneler_id: tunnelerId, destination: dest, resource });
    const openedAt = Date.now();
    this.#event({ kind: "tunnel.opened", tunnelerId, resource, destination: dest });
    const tunnel = splice(socket, upstream, { idleTimeoutMs: this.#opts.idleTimeoutMs ?? 15 * 60_000 });
    st.tunnels.add(tunnel);
    st.decisions.set(tunnel, { allowed: check, socket });
    void tunnel.closed.then(() => {
      st.tunnels.delete(tunnel);
      st.decisions.delete(tunnel);
      st.bytesIn += tunnel.bytesToConn;
      st.bytesOut += tunnel.bytesFromConn;
      this.#event({
        kind: "tunnel.closed",
        tunnelerId,
        resource,
        destination: dest,
        bytesIn: tunnel.bytesToConn,
        bytesOut: tunnel.bytesFromConn,
        durationMs: Date.now() - openedAt,
      });
    });
  }

  #heartbeatSession(socket: tls.TLSSocket, tunnelerId: string): void {
    this.#heartbeatSessions.add(socket);
    socket.once("close", () => this.#heartbeatSessions.delete(socket));
    const ack = () =>
      encodeFrame(
        HeartbeatAck.encode({
          heartbeatIntervalMs: this.policy.heartbeatIntervalMs,
          // A hint only (tunnelers renew early from the controller); never the bundle itself.
          trustBundlePem: [],
          controllerBundleFingerprints: this.#opts.creds.bundle.fingerprints(),
        }).finish(),
      );
    socket.write(ack());
    const decoder = new FrameDecoder();
    const rate = new TokenBucket(HEARTBEAT_BURST, HEARTBEATS_PER_SECOND);
    socket.on("data", (chunk: Buffer) => {
      if (socket.destroyed) return;
      let heartbeats: TunnelerHeartbeat[];
      try {
        heartbeats = decoder.feed(chunk).map((f) => decodeFrame(TunnelerHeartbeat, f, "heartbeat frame"));
      } catch (e) {
        // A bad frame ends this one session; the process and every other tunnel carry on.
        this.#opts.log.warn("closing heartbeat session after a malformed frame", {
          remote: `${socket.remoteAddress}:${socket.remotePort}`,
          tunneler_id: tunnelerId,
          error: (e as Error).message,
        });
        socket.destroy();
        return;
      }
      for (const hb of heartbeats) {
        if (!rate.take()) {
          // Each heartbeat is relayed to the controller and answered with the trust bundle: a
          // flood would be amplified, so it ends the session like a malformed frame.
          this.#opts.log.warn("closing heartbeat session after too many heartbeats", {
            remote: `${socket.remoteAddress}:${socket.remotePort}`,
            tunneler_id: tunnelerId,
            limit_per_second: HEARTBEATS_PER_SECOND,
          });
          socket.destroy();
          return;
        }
        const bytes = this.tunnelerBytes(tunnelerId);
        // The connector's own counts are authoritative for bytes it carried.
        this.#relay?.({
          ...hb,
          // Relayed to the controller: a tunneler cannot grow the connector's stream messages.
          version: hb.version.slice(0, 64),
          tunnelerId,
          bytesIn: Math.max(hb.bytesIn, bytes.bytesIn),
          bytesOut: Math.max(hb.bytesOut, bytes.bytesOut),
        });
        socket.write(ack());
      }
    });
    socket.on("end", () => socket.end());
    socket.resume();
  }
}

/** `[` + a 253-character name or an IPv6 literal + `]:65535`: anything longer names no resource. */
const MAX_DESTINATION = 262;

/** A tunneler heartbeats once per interval (10 s by default); a session may burst to this many... */
const HEARTBEAT_BURST = 20;
/** ... and sustain this many per second before it is closed. */
const HEARTBEATS_PER_SECOND = 5;

/** At most `burst` events at once, refilled at `perSecond`. */
class TokenBucket {
  #tokens: number;
  #at = Date.now();
  constructor(private readonly burst: number, private readonly perSecond: number) {
    this.#tokens = burst;
  }

  /** Takes one token; false when none is left. */
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#at) * this.perSecond / 1000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

/**
 * The listener's whole TLS context: certificate, key and the CAs that may issue client
 * certificates. `setSecureContext()` replaces the context, so every change passes all three (a
 * `{cert, key}` alone dropped the CAs and refused every tunneler; `{ca}` alone broke every
 * handshake).
 */
export function secureContextOf(
  svid: Svid,
  bundle: TrustBundle,
): { cert: string; key: string; ca: string[] } {
  return { cert: svid.certPem, key: svid.keyPem, ca: bundle.pems() };
}

/**
 * Sends the refusal and closes our side. The socket is paused at this point, so it is resumed
 * to see the peer's close, and destroyed after 2 s if the peer never closes (no leaked sockets
 * from a tunneler that retries while it is not allowed).
 */
function refuse(socket: tls.TLSSocket, reply: Uint8Array): void {
  socket.end(reply);
  socket.resume();
  socket.setTimeout(2_000, () => socket.destroy());
}
