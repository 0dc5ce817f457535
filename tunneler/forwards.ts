/**
 * TUNNELER_FORWARDS: a local listener per entry; each accepted connection becomes one
 * tunneled TLS connection (OpenTunnel) to that resource through the connector.
 * @module
 */
import net from "node:net";
import { splice } from "../shared/agent/splice.ts";
import { dialConnector, type DialOptions } from "./dialer.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { Forward } from "./config.ts";

/** Counters of all forwards. */
export interface ForwardStats {
  active: number;
  bytesIn: number;
  bytesOut: number;
  refused: number;
}

/** The running forwards. */
export class Forwarder {
  readonly #servers: net.Server[] = [];
  readonly #locals = new Set<net.Socket>();
  readonly stats: ForwardStats = { active: 0, bytesIn: 0, bytesOut: 0, refused: 0 };

  constructor(
    private readonly dial: () => Omit<DialOptions, never>,
    private readonly log: Logger,
    private readonly idleTimeoutMs = 15 * 60_000,
  ) {}

  /** Bound ports, in the order of the forwards. */
  readonly ports: number[] = [];

  /** Starts one listener per forward. @throws when a listen address is unusable */
  async start(forwards: readonly Forward[]): Promise<void> {
    for (const f of forwards) {
      const server = net.createServer(
        { allowHalfOpen: true, pauseOnConnect: true },
        (local) => this.#accept(local, f),
      );
      await new Promise<void>((resolve, reject) => {
        server.once(
          "error",
          (e) =>
            reject(
              new Error(
                `forward ${f.text}: cannot listen on ${f.listen.hostname}:${f.listen.port}: ${e.message}`,
              ),
            ),
        );
        server.listen(f.listen.port, f.listen.hostname || "127.0.0.1", () => resolve());
      });
      this.#servers.push(server);
      this.ports.push((server.address() as net.AddressInfo).port);
      this.log.info("forward listening", { listen: f.text.split("=")[0], resource: f.resource });
    }
  }

  /** Bytes including open connections (local side: in = from the app, out = to it). */
  totals(): { active: number; bytesIn: number; bytesOut: number } {
    let bytesIn = this.stats.bytesIn, bytesOut = this.stats.bytesOut;
    for (const s of this.#locals) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return { active: this.#locals.size, bytesIn, bytesOut };
  }

  /** Stops listening; waits up to `graceMs` for open connections, then closes them. */
  async close(graceMs = 5_000): Promise<void> {
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    const deadline = Date.now() + graceMs;
    while (this.#locals.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of this.#locals) s.destroy();
  }

  async #accept(local: net.Socket, f: Forward): Promise<void> {
    local.setNoDelay(true);
    local.on("error", () => {});
    this.#locals.add(local);
    local.once("close", () => {
      this.#locals.delete(local);
      this.stats.bytesIn += local.bytesRead;
      this.stats.bytesOut += local.bytesWritten;
    });
    try {
      const { socket } = await dialConnector(this.dial(), {
        kind: { $case: "open", value: { destination: f.resource } },
      });
      if (local.destroyed) {
        socket.destroy();
        return;
      }
      splice(local, socket, { idleTimeoutMs: this.idleTimeoutMs });
    } catch (e) {
      this.stats.refused++;
      this.log.warn("tunnel refused", { resource: f.resource, error: (e as Error).message });
      local.destroy();
    }
  }
}
