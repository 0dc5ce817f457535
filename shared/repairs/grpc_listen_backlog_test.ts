import assert from "node:assert/strict";
import { Server } from "@grpc/grpc-js";
import { makeTestPki } from "../pki/testing.ts";
import { serverCredentials, serverOptions } from "../grpc/credentials.ts";
import { SvidSource } from "../grpc/svid_source.ts";
import { prepareController } from "../../tests/support/controller.ts";
import { tempDir } from "../../tests/support/paths.ts";
import { LISTEN_BACKLOG, withListenBacklog } from "./grpc_listen_backlog.ts";

/** The accept queue size of the socket listening on 127.0.0.1:`port`, as the kernel reports it. */
function acceptQueueSize(port: number): number {
  const out = new Deno.Command("ss", { args: ["-ltnH", `sport = :${port}`] }).outputSync();
  const line = new TextDecoder().decode(out.stdout).trim();
  // State Recv-Q Send-Q Local Peer: for a listening socket Send-Q is the backlog.
  const sendQ = Number(line.split(/\s+/)[2]);
  assert.ok(Number.isInteger(sendQ), `no listening socket on port ${port}: "${line}"`);
  return sendQ;
}

const somaxconn = Number(Deno.readTextFileSync("/proc/sys/net/core/somaxconn").trim());
const expected = Math.min(LISTEN_BACKLOG, somaxconn);

async function boundPort(server: Server): Promise<number> {
  const pki = await makeTestPki();
  const svid = await pki.issue("controller", "controller");
  const source = new SvidSource(pki.caPem, { certPem: svid.certPem, keyPem: svid.keyPem });
  return await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => e ? reject(e) : resolve(p))
  );
}

Deno.test("a grpc-js TLS server listens with Node's 511 by default, with LISTEN_BACKLOG once wrapped", async () => {
  const plain = new Server(serverOptions());
  const deep = withListenBacklog(new Server(serverOptions()));
  try {
    assert.equal(acceptQueueSize(await boundPort(plain)), 511);
    assert.equal(acceptQueueSize(await boundPort(deep)), expected);
  } finally {
    plain.forceShutdown();
    deep.forceShutdown();
  }
});

Deno.test("the controller's gRPC listener has the deep accept queue", async () => {
  await using dir = await tempDir("postern-backlog-");
  const controller = await prepareController(dir.path);
  const running = await controller.start();
  try {
    assert.equal(acceptQueueSize(Number(controller.grpcAddr.split(":")[1])), expected);
  } finally {
    await running.stop();
  }
});
