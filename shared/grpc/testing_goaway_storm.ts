/**
 * Child program for http2_destroy_repair_test.ts: a grpc-js server and `rounds` x 50 clients
 * that each make one unary call and close their channel at once (each close sends GOAWAY to
 * the server). Exits 0 when every call was answered; the runtime fault kills it by signal.
 *
 * Usage: deno run -A testing_goaway_storm.ts <rounds> [--repair]
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { repairHttp2SessionDestroy } from "./http2_destroy_repair.ts";

const rounds = Number(Deno.args[0] ?? 10);
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
const Client = grpc.makeGenericClientConstructor(service, "Storm");
type StormClient = grpc.Client & { call(req: Uint8Array, cb: (e: Error | null) => void): void };

let answered = 0;
for (let round = 0; round < rounds; round++) {
  await Promise.all(Array.from({ length: 50 }, () =>
    new Promise<void>((resolve, reject) => {
      const client = new Client(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
      ) as unknown as StormClient;
      client.call(new Uint8Array(4), (e) => {
        client.close();
        if (e) reject(e);
        else {
          answered++;
          resolve();
        }
      });
    })));
}
console.log(`answered ${answered}`);
server.forceShutdown();
Deno.exit(0);
