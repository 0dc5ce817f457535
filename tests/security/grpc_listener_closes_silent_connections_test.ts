/**
 * The controller's gRPC listener waited 120 s (Node's default, or for good under Deno) for a TCP
 * connection to finish its TLS handshake: silent connections held sockets and memory for nothing.
 * Now a connection that has not finished its handshake is destroyed after the handshake timeout
 * and counted in postern_grpc_handshakes_closed_total{reason="timeout"}; agents enroll meanwhile,
 * and a control stream whose handshake finished is never cut by the timeout.
 */
import assert from "node:assert/strict";
import type { ControllerMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { connect, connectorHeartbeat, enroll, eventually, startHarness } from "../controller/harness.ts";
import { closed, silentPeers } from "./_hostile_peer.ts";

const heartbeat = connectorHeartbeat("test");

Deno.test("silent TCP connections to the gRPC port are closed after the handshake timeout while agents enroll and stay connected", async () => {
  await using h = await startHarness({ grpcHandshakes: { timeoutMs: 1_500 } });
  // A connector connected before the flood: its connection's timeout would fire before the flood's.
  const c1 = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const stream = connect(h, c1);
  await stream.next((m: ControllerMessage) => m.body?.$case === "config");
  let streamEnded = false;
  stream.ended.then(() => streamEnded = true);

  using peers = silentPeers();
  const port = h.controller.grpcPort;
  const sockets = await Promise.all(Array.from({ length: 50 }, () => peers.open(port)));
  const started = Date.now();
  const allClosed = Promise.all(sockets.map((s) => closed(s, 10_000)));
  // Meanwhile another agent completes its handshake and enrolls.
  const c2 = await enroll(h, { token: await h.token("connector"), id: "c2" });
  assert.ok(c2.certPem.includes("BEGIN CERTIFICATE"));
  await allClosed;
  const took = Date.now() - started;
  assert.ok(took >= 1_000, `closed after ${took} ms, before the timeout`);

  // The connected connector's stream outlived the timeout and still carries heartbeats.
  assert.deepEqual(streamEnded, false);
  stream.send(heartbeat);
  const status = async () => (await (await h.admin("/api/admin/connectors/c1")).json()).status;
  await eventually(async () => (await status()) === "ONLINE", 3000, "c1 ONLINE");
  const metric = (reason: string) =>
    h.controller.ctx.metrics.value("postern_grpc_handshakes_closed_total", { reason });
  assert.deepEqual([metric("timeout"), metric("limit")], [50, 0]);
  const text = await (await h.admin("/metrics")).text();
  assert.ok(text.includes('postern_grpc_handshakes_closed_total{reason="timeout"} 50'), text);
  assert.ok(text.includes("postern_control_streams 1"), text);
  stream.close();
});
