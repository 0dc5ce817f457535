/**
 * A TCP relay on loopback in front of a port: tests cut one program off from another (a
 * connector from its controller) while everything else keeps talking.
 * @module
 */
import net from "node:net";

/** A running relay. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Stops listening and resets every relayed connection: the far side is unreachable from now on. */
  cut(): Promise<void>;
  /** Listens again on the same port after {@link cut}. */
  resume(): Promise<void>;
}

/** Relays 127.0.0.1:<listen port> to 127.0.0.1:`targetPort` until cut. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut: () =>
      new Promise<void>((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        for (const s of sockets) s.resetAndDestroy();
      }),
    resume: () => new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r())),
  };
}
