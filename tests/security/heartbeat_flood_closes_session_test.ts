/**
 * An allowlisted tunneler that floods its heartbeat session (each heartbeat is relayed to the
 * controller and answered with the trust bundle) gets that session closed with a warn; its
 * tunnels carry on. A hello naming an absurdly long destination is refused before any lookup.
 */
import assert from "node:assert/strict";
import { encodeFrame } from "../../shared/dataplane/framing.ts";
import { TunnelerHeartbeat } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { dialConnector } from "../../tunneler/dialer.ts";
import { echoServer, forwardTo, rig, roundTripText } from "../agents/_fixture.ts";
import { closed } from "./_hostile_peer.ts";

Deno.test("a heartbeat flood closes that session with a warn; tunnels keep working", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
  });
  const { socket } = await dialConnector(r.dial(), { kind: { $case: "heartbeat", value: { version: "x" } } });
  socket.on("error", () => {});
  const gone = closed(socket, 5_000);
  socket.resume();
  const hb = encodeFrame(
    TunnelerHeartbeat.encode(TunnelerHeartbeat.create({ tunnelerId: "t1", version: "x" })).finish(),
  );
  for (let i = 0; i < 200 && !socket.destroyed; i++) socket.write(hb);
  try {
    await gone;
  } finally {
    socket.destroy();
  }
  assert.ok(
    r.connectorLog.some((l) =>
      l.includes("closing heartbeat session after too many heartbeats") && l.includes("t1")
    ),
    r.connectorLog.join("\n"),
  );
  assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "hi"), "hibye");
});

Deno.test("a hello with a destination longer than any resource is refused", async () => {
  await using r = await rig({ forwards: "", resources: ["127.0.0.1:1"] });
  const dest = `${"a".repeat(60_000)}:1`;
  const error = await dialConnector(r.dial(), { kind: { $case: "open", value: { destination: dest } } }).then(
    () => "admitted",
    (e: Error) => e.message,
  );
  assert.deepEqual(error, "destination too long: at most 262 characters");
  assert.ok(!r.connectorLog.some((l) => l.includes("a".repeat(100))), "the whole destination was logged");
});
