/**
 * TUNNELER_FORWARDS: a local listener per entry; each accepted connection becomes one
 * tunneled TLS connection (OpenTunnel) to that resource through the connector in use; when that
 * dial fails, the next connector of CONNECTOR_ADDR is tried at once (each connector once). Every
 * tunnel's end is one `tunnel ended` line: its bytes each way and the error, or who closed it.
 * @module
 */
import { closeQuietly, type Splice, splice } from "../shared/dataplane/splice.ts";
import { dialConnector, type DialOptions } from "./dialer.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { Forward } from "./config.ts";

/** Called after each dial of a tunnel: whether the connector of `d` answered. */
export type DialReport = (d: DialOptions, ok: boolean) => void;

/** The running forwards. */
export class Forwarder {
  readonly #listeners: Deno.TcpListener[] = [];
  /** Accepted connections: their splice once the tunnel is up, null while it is being dialed. */
  readonly #locals = new Map<Deno.Conn, Splice | null>();
  /** The connector id of each live tunnel. */
  readonly #via = new Map<Splice, string>();
  /** Bytes of the connections already closed. */
  #closedBytesIn = 0;
  #closedBytesOut = 0;

  /**
   * @param dial the connectors to try for a new tunnel, in order (the one in use first)
   * @param report told of each dial's outcome (moves the connector in use)
   */
  constructor(
    private readonly dial: () => DialOptions | DialOptions[],
    private readonly log: Logger,
    private readonly idleTimeoutMs = 15 * 60_000,
    private readonly report: DialReport = () => {},
  ) {}

  /** Bound ports, in the order of the forwards. */
  readonly ports: number[] = [];

  /** Starts one listener per forward. @throws when a listen address is unusable */
  start(forwards: readonly Forward[]): Promise<void> {
    for (const f of forwards) {
      const hostname = f.listen.hostname || "127.0.0.1";
      let listener: Deno.TcpListener;
      try {
        listener = Deno.listen({ hostname, port: f.listen.port });
      } catch (e) {
        return Promise.reject(
          new Error(
            `forward ${f.text}: cannot listen on ${hostname}:${f.listen.port}: ${(e as Error).message}`,
          ),
        );
      }
      this.#listeners.push(listener);
      this.ports.push(listener.addr.port);
      this.log.info("forward listening", { listen: f.text.split("=")[0], resource: f.resource });
      void this.#acceptLoop(listener, f);
    }
    return Promise.resolve();
  }

  /** Bytes including open connections (local side: in = from the app, out = to it). */
  totals(): { active: number; bytesIn: number; bytesOut: number } {
    let bytesIn = this.#closedBytesIn, bytesOut = this.#closedBytesOut;
    for (const tunnel of this.#locals.values()) {
      bytesIn += tunnel?.bytesFromConn ?? 0;
      bytesOut += tunnel?.bytesToConn ?? 0;
    }
    return { active: this.#locals.size, bytesIn, bytesOut };
  }

  /** Stops listening; waits up to `graceMs` for open connections, then closes them. */
  async close(graceMs = 5_000): Promise<void> {
    for (const l of this.#listeners) closeQuietly(l);
    const deadline = Date.now() + graceMs;
    while (this.#locals.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const [local, tunnel] of this.#locals) {
      if (tunnel) {
        tunnel.close();
      } else {
        // Still dialing: #accept sees it gone and drops the tunnel it gets.
        this.#locals.delete(local);
        closeQuietly(local);
      }
    }
  }

  /** Ends the live tunnels through connector `connectorId` (it is gone), each with a log line. */
  endVia(connectorId: string, why: string): void {
    for (const [tunnel, id] of this.#via) {
      if (id === connectorId) tunnel.close(new Error(`connector "${connectorId}" ${why}`));
    }
  }

  /** Dials each candidate once until one accepts; rethrows the last failure. */
  async #open(f: Forward) {
    const candidates = [this.dial()].flat();
    let last: unknown;
    for (const [i, d] of candidates.entries()) {
      try {
        const { socket } = await dialConnector(d, {
          kind: { $case: "open", value: { destination: f.resource } },
        });
        this.report(d, true);
        return { socket, connectorId: d.connectorId };
      } catch (e) {
        last = e;
        this.report(d, false);
        if (i < candidates.length - 1) {
          this.log.warn("tunnel dial failed; trying the next connector", {
            resource: f.resource,
            connector: d.connectorId,
            next_connector: candidates[i + 1]!.connectorId,
            error: e,
          });
        }
      }
    }
    throw last;
  }

  /**
   * The one line of a tunnel's end: WARN with the error, else INFO naming who closed it (`client`
   * the local app, `connector` the far side, `tunneler` this process, closing it), with its bytes.
   */
  #logEnd(tunnel: Splice, error: Error | undefined, fields: { resource: string; connector: string }) {
    const bytes = { bytes_to_connector: tunnel.bytesFromConn, bytes_from_connector: tunnel.bytesToConn };
    if (error) {
      this.log.warn("tunnel ended", { ...fields, error: error.message, ...bytes });
      return;
    }
    const by = tunnel.endedFirst === "conn"
      ? "client"
      : tunnel.endedFirst === "tls"
      ? "connector"
      : "tunneler";
    this.log.info("tunnel ended", { ...fields, closed_by: by, ...bytes });
  }

  async #acceptLoop(listener: Deno.TcpListener, f: Forward): Promise<void> {
    try {
      for await (const local of listener) void this.#accept(local, f);
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) {
        this.log.error("forward stopped accepting", { resource: f.resource, error: (e as Error).message });
      }
    }
  }

  async #accept(local: Deno.TcpConn, f: Forward): Promise<void> {
    local.setNoDelay(true);
    this.#locals.set(local, null);
    try {
      const { socket, connectorId } = await this.#open(f);
      if (!this.#locals.has(local)) {
        socket.destroy();
        return;
      }
      const tunnel = splice(socket, local, { idleTimeoutMs: this.idleTimeoutMs });
      this.#locals.set(local, tunnel);
      this.#via.set(tunnel, connectorId);
      const error = await tunnel.closed;
      this.#via.delete(tunnel);
      this.#logEnd(tunnel, error, { resource: f.resource, connector: connectorId });
      this.#closedBytesIn += tunnel.bytesFromConn;
      this.#closedBytesOut += tunnel.bytesToConn;
    } catch (e) {
      // The error's failure mode (3.3, 2.x) becomes the line's failure_mode field.
      this.log.warn("tunnel refused", { resource: f.resource, error: e });
      closeQuietly(local);
    } finally {
      this.#locals.delete(local);
    }
  }
}
