/**
 * The controller's gRPC listener waited 120 s (Node's default, or for good under Deno) for a TCP
 * connection to start its TLS handshake: silent connections held sockets and memory for nothing.
 * Now a connection that has not finished its handshake is destroyed after the handshake timeout,
 * counted in postern_grpc_handshakes_closed_total{reason="timeout"}, and agents enroll meanwhile.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { enroll, startHarness } from "../controller/harness.ts";
import { closed, silentPeers } from "./_hostile_peer.ts";

Deno.test("silent TCP connections to the gRPC port are closed after the handshake timeout while an agent enrolls", async () => {
  await using h = await startHarness({ grpcHandshakes: { timeoutMs: 1_500 } });
  using peers = silentPeers();
  const port = h.controller.grpcPort;
  const sockets = await Promise.all(Array.from({ length: 50 }, () => peers.open(port)));
  const started = Date.now();
  const allClosed = Promise.all(sockets.map((s) => closed(s, 10_000)));
  // Meanwhile a real agent completes its handshake and enrolls.
  const token = await h.token("connector");
  const agent = await enroll(h, { token, id: "c1" });
  ok(agent.certPem.includes("BEGIN CERTIFICATE"));
  await allClosed;
  const took = Date.now() - started;
  ok(took >= 1_000, `closed after ${took} ms, before the timeout`);
  const metric = (reason: string) =>
    h.controller.ctx.metrics.value("postern_grpc_handshakes_closed_total", { reason });
  assertEquals([metric("timeout"), metric("limit")], [50, 0]);
  const text = await (await h.admin("/metrics")).text();
  ok(text.includes('postern_grpc_handshakes_closed_total{reason="timeout"} 50'), text);
});
