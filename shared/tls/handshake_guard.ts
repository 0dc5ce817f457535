/**
 * Bounds on a TLS listener's unfinished handshakes (the connector's tunnel listener, the
 * controller's gRPC listener): a connection that has not
 * completed the handshake within the timeout is destroyed, and at most `maxPending` handshakes
 * are in flight at once; connections over the bound are closed at once and counted in a
 * rate-limited warn. Silent or slow TCP peers cannot hold sockets and memory.
 * @module
 */
import type net from "node:net";
import type { Logger } from "../log/logger.ts";

/** Options of {@link HandshakeGuard}. */
export interface HandshakeGuardOptions {
  log: Logger;
  /** Destroy a connection whose TLS handshake has not completed after this long, in ms. */
  timeoutMs: number;
  /** Most unfinished handshakes at once; more are closed on arrival. */
  maxPending: number;
  /** At most one warn about closed excess connections per this many ms; default 10 000. */
  warnEveryMs?: number;
  /** Clock of the warn window; default Date.now (tests). */
  now?: () => number;
  /** Called for each connection the guard closes: over the bound, or its handshake timed out (metrics). */
  onClose?: (reason: HandshakeCloseReason) => void;
}

/** Why the guard closed a connection. */
export type HandshakeCloseReason = "limit" | "timeout";

/** The key of a connection, the same on the raw socket and the TLS socket that wraps it. */
function connectionKey(s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${s.remoteAddress}:${s.remotePort}`;
}

/** Tracks raw connections from accept until their TLS handshake completes. */
export class HandshakeGuard {
  readonly #opts: HandshakeGuardOptions;
  readonly #pending = new Map<string, { socket: net.Socket; timer: ReturnType<typeof setTimeout> }>();
  #refused = 0;
  #lastWarn = -Infinity;

  constructor(opts: HandshakeGuardOptions) {
    this.#opts = opts;
  }

  /** Unfinished handshakes now. */
  get pending(): number {
    return this.#pending.size;
  }

  /** A new TCP connection (the server's `connection` event): tracked, or closed at once when over the bound. */
  admit(socket: net.Socket): void {
    if (this.#pending.size >= this.#opts.maxPending) {
      socket.destroy();
      this.#opts.onClose?.("limit");
      this.#refused++;
      const now = (this.#opts.now ?? Date.now)();
      if (now - this.#lastWarn >= (this.#opts.warnEveryMs ?? 10_000)) {
        this.#opts.log.warn("closed connections over the unfinished handshake limit", {
          closed: this.#refused,
          limit: this.#opts.maxPending,
        });
        this.#lastWarn = now;
        this.#refused = 0;
      }
      return;
    }
    if (socket.remoteAddress === undefined) {
      // Already gone (reset before we saw it): nothing to track.
      socket.destroy();
      return;
    }
    const key = connectionKey(socket);
    // Backstop of the TLS layer's own handshakeTimeout: the socket goes, whatever the TLS state.
    const timer = setTimeout(() => {
      this.#forget(key);
      this.#opts.log.debug("tls handshake timed out", { remote: key, timeout_ms: this.#opts.timeoutMs });
      socket.destroy();
      this.#opts.onClose?.("timeout");
    }, this.#opts.timeoutMs);
    this.#pending.set(key, { socket, timer });
    // The listener allows half-open sockets (tunnels need them), and Deno's node:tls then does
    // not report a peer that hangs up mid-handshake: such a slot is freed by the timeout.
    socket.once("close", () => this.#forget(key));
  }

  /** The TLS socket of a connection finished its handshake: it no longer counts. */
  secured(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): void {
    this.#forget(connectionKey(socket));
  }

  /** Destroys every unfinished handshake (listener close). */
  close(): void {
    for (const { socket } of this.#pending.values()) socket.destroy();
    for (const key of [...this.#pending.keys()]) this.#forget(key);
  }

  #forget(key: string): void {
    const p = this.#pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(key);
  }
}
