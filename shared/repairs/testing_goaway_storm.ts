/**
 * Child program for http2_destroy_test.ts: `rounds` x 50 grpc-js clients that each make
 * one unary call, then GOAWAY in one of two directions:
 * - `client-close` (default): each client closes its channel at once, so the server receives
 *   50 GOAWAYs (agents ending a one-shot Enroll or Renew);
 * - `server-shutdown`: the server shuts down with every client still connected, so each client
 *   receives one (a controller stopping under its agents).
 * Exits 0 when every call was answered; the runtime fault kills it by signal.
 *
 * Usage: deno run -A testing_goaway_storm.ts <rounds> [client-close|server-shutdown] [--repair]
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { repairHttp2SessionDestroy } from "./http2_destroy.ts";

const rounds = Number(Deno.args[0] ?? 10);
const serverShutdown = Deno.args.includes("server-shutdown");
if (Deno.args.includes("--repair") && !repairHttp2SessionDestroy()) {
  console.error("no Http2Session to repair");
  Deno.exit(2);
}

const bytes = (b: Uint8Array) => Buffer.from(b);
const service = {
  call: {
    path: "/storm.Storm/Call",
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
} as unknown as grpc.ServiceDefinition;
const Client = grpc.makeGenericClientConstructor(service, "Storm");
type StormClient = grpc.Client & { call(req: Uint8Array, cb: (e: Error | null) => void): void };

async function startServer(): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(service, {
    call: (_call: unknown, done: (e: null, r: Uint8Array) => void) => done(null, new Uint8Array(8)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { server, port };
}

/** A new client whose one call has been answered; the channel stays open. */
function oneCall(port: number): Promise<StormClient> {
  return new Promise((resolve, reject) => {
    const client = new Client(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    ) as unknown as StormClient;
    client.call(new Uint8Array(4), (e) => e ? reject(e) : resolve(client));
  });
}

const fifty = <T>(f: () => Promise<T>) => Promise.all(Array.from({ length: 50 }, f));

let answered = 0;
if (serverShutdown) {
  for (let round = 0; round < rounds; round++) {
    const { server, port } = await startServer();
    const clients = await fifty(() => oneCall(port));
    answered += clients.length;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const client of clients) client.close();
  }
} else {
  const { server, port } = await startServer();
  for (let round = 0; round < rounds; round++) {
    // Each channel closes the moment its answer is in.
    answered += (await fifty(async () => (await oneCall(port)).close())).length;
  }
  server.forceShutdown();
}
console.log(`answered ${answered}`);
Deno.exit(0);
