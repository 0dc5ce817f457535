/**
 * Controllers and agents one release apart: the heartbeats of a 0.2.0 connector (its field set:
 * no `goodbye`, field 8 of Heartbeat and TunnelerHeartbeat, added since) are encoded here by hand
 * from 0.2.0's control_plane.proto, decoded by this release's code, sent on a real Connect stream
 * and served: the connector (with the version it reported) and the tunneler it relays are ONLINE.
 * Encoding this release's message without a goodbye gives the same bytes, so 0.2.0 controllers
 * receive nothing new from agents that are not stopping.
 */
import assert from "node:assert/strict";
import { AgentMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { connect, enroll, eventually, startHarness } from "./harness.ts";

/** Protobuf wire format, the few types 0.2.0's heartbeats use. */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const bytes = (
  field: number,
  payload: number[],
) => [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
const text = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);
const uint = (field: number, n: number) => [...varint(field << 3), ...varint(n)];

/** AgentMessage{heartbeat = 1: Heartbeat{version 1, private_ip 2, bytes_in 4, active_sessions 6}} as 0.2.0 wrote it. */
function heartbeat020(): Uint8Array {
  return new Uint8Array(
    bytes(1, [...text(1, "0.2.0"), ...text(2, "10.0.0.5"), ...uint(4, 1234), ...uint(6, 2)]),
  );
}

/** AgentMessage{tunneler_heartbeat = 2: TunnelerHeartbeat{tunneler_id 1, version 2, active_connections 6}}. */
function tunnelerHeartbeat020(id: string): Uint8Array {
  return new Uint8Array(bytes(2, [...text(1, id), ...text(2, "0.2.0"), ...uint(6, 1)]));
}

Deno.test("a 0.2.0 connector's heartbeats (no goodbye field) are served: it and its tunneler are ONLINE", async () => {
  await using h = await startHarness({ offlineAfterMs: 3000 });
  const c = await enroll(h, { token: await h.token("connector"), id: "c1" });
  await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  await h.admin("/api/admin/connectors/c1/allowlist", { method: "PUT", json: { tunnelers: ["t1"] } });
  const s = connect(h, c);
  try {
    await s.next((m) => m.body?.$case === "config");
    const hb = AgentMessage.decode(heartbeat020());
    assert.equal(hb.body?.$case === "heartbeat" && hb.body.value.goodbye, false);
    assert.deepEqual(AgentMessage.encode(hb).finish(), heartbeat020(), "this release encodes it the same");
    const thb = AgentMessage.decode(tunnelerHeartbeat020("t1"));
    assert.deepEqual(AgentMessage.encode(thb).finish(), tunnelerHeartbeat020("t1"));
    s.send(hb);
    s.send(thb);
    const show = async (role: string, id: string) => await (await h.admin(`/api/admin/${role}/${id}`)).json();
    await eventually(async () => (await show("connectors", "c1")).status === "ONLINE", 3000, "c1 ONLINE");
    await eventually(async () => (await show("tunnelers", "t1")).status === "ONLINE", 3000, "t1 ONLINE");
    assert.equal((await show("connectors", "c1")).version, "0.2.0");
  } finally {
    s.close();
  }
});
