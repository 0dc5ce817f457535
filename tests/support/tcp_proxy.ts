/**
 * A fault-injecting TCP relay on loopback in front of a port: tests cut one program off from
 * another (a connector from its controller) while everything else keeps talking, or make the
 * path fail the quiet ways real networks do:
 *
 * - `cut()`: the far side is gone and says so: the listener closes, every relayed connection is reset.
 * - `fault("drop")`: every byte is dropped in both directions (a black hole); connections stay open,
 *   new ones are accepted, nothing arrives and nothing says why.
 * - `fault("stall")`: bytes are held in both directions (a frozen peer); `fault("pass")` delivers
 *   what was held.
 * - `fault("half-open")`: the far side is gone without a word: every upstream connection is
 *   destroyed, the client side stays open with no FIN or RST, and new connections are accepted and
 *   never relayed (what a peer that lost power or a NAT that forgot the flow leaves behind).
 *
 * `fault("pass")` heals: new connections are relayed again, and a connection that lost bytes or
 * its far side is reset (a relay cannot retransmit what it dropped, and a peer's TCP answers a
 * segment of a connection it no longer knows with RST).
 * @module
 */
import net from "node:net";

/** How the relay treats bytes; `pass` relays them. */
export type ProxyFault = "pass" | "drop" | "stall" | "half-open";

/** A running relay. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Stops listening and resets every relayed connection: the far side is unreachable from now on. */
  cut(): Promise<void>;
  /** Listens again on the same port after {@link cut}. */
  resume(): Promise<void>;
  /** Injects a fault into every connection, open and new, until the next call (`pass` heals). */
  fault(mode: ProxyFault): void;
  /** Connections accepted so far (a reconnection shows as one more). */
  accepted(): number;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/** One relayed connection: the client socket and its upstream (absent once half-open). */
interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Bytes held while stalled, in order, per direction. */
  held: { up: Buffer[]; down: Buffer[] };
  /** Lost bytes or its far side: reset when the relay heals. */
  broken: boolean;
}

/** Relays 127.0.0.1:<listen port> to 127.0.0.1:`targetPort`. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyFault = "pass";
  let accepted = 0;

  const send = (pair: Pair, dir: "up" | "down", chunk: Buffer) => {
    const to = dir === "up" ? pair.upstream : pair.client;
    if (mode === "drop" || mode === "half-open" || !to || to.destroyed) {
      pair.broken = true;
      return;
    }
    if (mode === "stall") pair.held[dir].push(chunk);
    else to.write(chunk);
  };
  const flush = (pair: Pair) => {
    for (const dir of ["up", "down"] as const) {
      const to = dir === "up" ? pair.upstream : pair.client;
      for (const chunk of pair.held[dir].splice(0)) if (to && !to.destroyed) to.write(chunk);
    }
  };
  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    pair.upstream = upstream;
    upstream.on("error", () => {});
    upstream.on("data", (chunk: Buffer) => send(pair, "down", chunk));
    // The far side ended: end the client too, unless the relay plays half-open (then silence).
    upstream.on("close", () => {
      if (pair.upstream === upstream && mode !== "half-open") pair.client.destroy();
    });
  };

  const server = net.createServer((client) => {
    accepted++;
    const pair: Pair = {
      client,
      upstream: undefined,
      held: { up: [], down: [] },
      broken: mode === "half-open",
    };
    pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    client.on("data", (chunk: Buffer) => send(pair, "up", chunk));
    if (mode !== "half-open") connectUpstream(pair);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const closeListener = () =>
    new Promise<void>((r) => {
      if (!server.listening) return r();
      server.close(() => r());
      for (const p of pairs) {
        p.client.resetAndDestroy();
        p.upstream?.resetAndDestroy();
      }
    });
  return {
    port,
    cut: closeListener,
    resume: () => new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r())),
    fault(next) {
      const was = mode;
      mode = next;
      for (const pair of pairs) {
        if (next === "half-open") {
          const upstream = pair.upstream;
          pair.upstream = undefined;
          pair.broken = true;
          upstream?.destroy();
        } else if (next === "pass" && pair.broken) {
          pair.client.resetAndDestroy();
          pair.upstream?.resetAndDestroy();
        } else if (next === "pass" && was === "stall") flush(pair);
        if (next !== "stall") pair.held = { up: [], down: [] };
      }
    },
    accepted: () => accepted,
    close: async () => {
      await closeListener();
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
    },
  };
}
