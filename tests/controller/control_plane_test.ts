import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import type { ControllerMessage } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { connect, connectorHeartbeat, enroll, eventually, startHarness } from "./harness.ts";

const isConfig = (m: ControllerMessage) => m.body?.$case === "config";
const heartbeat = connectorHeartbeat("1.2.3");

Deno.test("Connect sends config and trust bundle; heartbeats make a connector ONLINE, silence OFFLINE, then ONLINE again", async () => {
  await using h = await startHarness({ offlineAfterMs: 1000 });
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  const config = await s.next(isConfig);
  assert.equal(config.body?.$case === "config" && config.body.value.heartbeatIntervalMs, 200);
  await s.next((m) => m.body?.$case === "trustBundle");
  assert.ok(h.logs.some((l) => l.includes("control-plane stream connected") && l.includes("c1")));
  const status_ = async () => (await (await h.admin("/api/admin/connectors/c1")).json()).status;
  s.send(heartbeat);
  await eventually(async () => (await status_()) === "ONLINE", 3000, "ONLINE");
  const c1 = await (await h.admin("/api/admin/connectors/c1")).json();
  assert.equal(c1.version, "1.2.3");
  assert.match(c1.last_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const silentSince = Date.now();
  await eventually(async () => (await status_()) === "OFFLINE", 3000, "OFFLINE");
  assert.ok(Date.now() - silentSince >= 700, "went OFFLINE before OFFLINE_AFTER");
  s.send(heartbeat);
  await eventually(async () => (await status_()) === "ONLINE", 3000, "ONLINE again");
  const kinds = (await (await h.admin("/api/admin/events?agent=c1")).json()).events.map((
    e: { kind: string },
  ) => e.kind);
  assert.deepEqual(kinds.filter((k: string) => k.startsWith("connector.o")), [
    "connector.online",
    "connector.offline",
    "connector.online",
  ]);
  const metrics = await (await h.admin("/metrics")).text();
  assert.match(metrics, /postern_connectors\{status="ONLINE"\} 1/);
  assert.match(metrics, /postern_control_streams 1/);
  s.close();
});

Deno.test("Connect: an allowlist change reaches the connected connector within one second", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  await s.next(isConfig);
  const from = s.messages.length;
  const started = Date.now();
  const res = await h.admin("/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["t1", "t2"] },
  });
  assert.equal(res.status, 200);
  const pushed = await s.next(
    (m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.length === 2,
    1000,
    from,
  );
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(pushed.body?.$case === "config" && pushed.body.value.allowedTunnelers, ["t1", "t2"]);
  await h.admin("/api/admin/connectors/c1/resources", {
    method: "PUT",
    json: { resources: ["db.internal:5432"] },
  });
  await s.next(
    (m) => m.body?.$case === "config" && m.body.value.resources[0] === "db.internal:5432",
    1000,
    from,
  );
  s.close();
});

Deno.test("Connect: tunneler heartbeats relayed by a connector mark allowed tunnelers ONLINE", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  await enroll(h, { token: await h.token("tunneler"), id: "t2", role: "tunneler" });
  await h.admin("/api/admin/connectors/c1/allowlist", { method: "PUT", json: { tunnelers: ["t1"] } });
  const s = connect(h, a);
  await s.next((m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.includes("t1"));
  for (const id of ["t1", "t2"]) {
    s.send({
      body: {
        $case: "tunnelerHeartbeat",
        value: {
          tunnelerId: id,
          version: "9",
          certNotAfterUnixMs: 0,
          bytesIn: 300,
          bytesOut: 200,
          activeConnections: 2,
          trustedCaFingerprints: [],
          goodbye: false,
        },
      },
    });
  }
  await eventually(async () => (await (await h.admin("/api/admin/tunnelers/t1")).json()).status === "ONLINE");
  const t1 = await (await h.admin("/api/admin/tunnelers/t1")).json();
  assert.equal(t1.connector_id, "c1");
  assert.deepEqual(Object.keys(t1).sort(), [
    "active_sessions",
    "bytes_in",
    "bytes_out",
    "cert_expires_at",
    "connector_id",
    "id",
    "last_seen",
    "spiffe_id",
    "status",
    "trusted_ca_fingerprints",
  ]);
  // The traffic the tunneler reported, for the dashboard.
  assert.deepEqual([t1.active_sessions, t1.bytes_in, t1.bytes_out], [2, 300, 200]);
  assert.equal((await (await h.admin("/api/admin/tunnelers/t2")).json()).status, "OFFLINE");
  s.close();
});

Deno.test("Connect: revoking a connector sends Revocation, ends the stream and refuses it afterwards", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  await s.next(isConfig);
  assert.equal((await h.admin("/api/admin/connectors/c1", { method: "DELETE" })).status, 200);
  await s.next((m) => m.body?.$case === "revocation");
  await s.ended;
  const again = connect(h, a);
  const end = await again.ended;
  assert.equal(end.code, status.PERMISSION_DENIED);
  assert.ok(end.details.includes("identity revoked"));
  assert.equal((await h.admin("/api/admin/connectors/c1")).status, 404);
});

Deno.test("Connect refuses a tunneler with PERMISSION_DENIED unexpected SPIFFE role", async () => {
  await using h = await startHarness();
  const t = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  const end = await connect(h, t).ended;
  assert.equal(end.code, status.PERMISSION_DENIED);
  assert.ok(end.details.includes("unexpected SPIFFE role"), end.details);
});

Deno.test("Connect: revoking a tunneler removes it from the connector's allowlist within one second", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  await (await h.admin("/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["t1", "t2"] },
  })).body
    ?.cancel();
  const s = connect(h, a);
  await s.next((m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.includes("t1"));
  const from = s.messages.length;
  await (await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).body?.cancel();
  const pushed = await s.next((m) => m.body?.$case === "config", 1000, from);
  assert.deepEqual(pushed.body?.$case === "config" && pushed.body.value.allowedTunnelers, ["t2"]);
  s.close();
});

Deno.test("Enrolling a tunneler pushes no configuration; revoking or re-enrolling it pushes only to connectors listing it", async () => {
  await using h = await startHarness();
  const c1 = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const c2 = await enroll(h, { token: await h.token("connector"), id: "c2" });
  await h.admin("/api/admin/connectors/c1/allowlist", { method: "PUT", json: { tunnelers: ["t1"] } });
  await h.admin("/api/admin/connectors/c2/allowlist", { method: "PUT", json: { tunnelers: ["other"] } });
  const s1 = connect(h, c1);
  const s2 = connect(h, c2);
  await s1.next((m) =>
    isConfig(m) && m.body?.$case === "config" && m.body.value.allowedTunnelers[0] === "t1"
  );
  await s2.next((m) =>
    isConfig(m) && m.body?.$case === "config" && m.body.value.allowedTunnelers[0] === "other"
  );
  await s1.next((m) => m.body?.$case === "trustBundle");
  await s2.next((m) => m.body?.$case === "trustBundle");
  const configs = (s: typeof s1) => s.messages.filter(isConfig).length;
  /** Sets connector `id`'s allowlist to `marked` (its last entry unique) and waits for it on `s`. */
  const barrier = async (s: typeof s1, id: string, marked: string[]) => {
    const from = s.messages.length;
    const res = await h.admin(`/api/admin/connectors/${id}/allowlist`, {
      method: "PUT",
      json: { tunnelers: marked },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    await s.next(
      (m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.includes(marked.at(-1)!),
      1000,
      from,
    );
  };
  const [before1, before2] = [configs(s1), configs(s2)];
  // A first enrollment changes no connector's configuration (t1 was already listed as allowed).
  await enroll(h, { token: await h.token("tunneler", { id: "t1" }), id: "t1", role: "tunneler" });
  await enroll(h, { token: await h.token("tunneler"), id: "t9", role: "tunneler" });
  // A marked allowlist pushed after the enrollments: once it arrives, anything they pushed has too.
  await barrier(s1, "c1", ["t1", "mark-1"]);
  await barrier(s2, "c2", ["other", "mark-1"]);
  assert.equal(configs(s1), before1 + 1, "enrolling a tunneler pushed a configuration to c1");
  assert.equal(configs(s2), before2 + 1, "enrolling a tunneler pushed a configuration to c2");
  // Revocation: only c1 lists t1.
  assert.equal((await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).status, 200);
  await s1.next(
    (m) => m.body?.$case === "config" && !m.body.value.allowedTunnelers.includes("t1"),
    1000,
    before1,
  );
  // Enrolling again after the revocation puts t1 back into c1's configuration, and only c1's.
  await enroll(h, { token: await h.token("tunneler", { id: "t1" }), id: "t1", role: "tunneler" });
  const from = s1.messages.length;
  await s1.next(
    (m) => m.body?.$case === "config" && m.body.value.allowedTunnelers.includes("t1"),
    1000,
    from - 1,
  );
  const beforeMark2 = configs(s2);
  await barrier(s2, "c2", ["other", "mark-2"]);
  assert.equal(configs(s2), beforeMark2 + 1, "c2 does not list t1: nothing pushed to it");
  assert.equal(configs(s2), before2 + 2, "c2 does not list t1: nothing pushed to it");
  s1.close();
  s2.close();
});

Deno.test("Connect: revoked tunneler serials go to every connector at once, and in full before the configuration on connect", async () => {
  await using h = await startHarness();
  const c1 = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const c2 = await enroll(h, { token: await h.token("connector"), id: "c2" });
  const t1 = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  const s1 = connect(h, c1);
  await s1.next((m) => m.body?.$case === "trustBundle");
  // c1 does not list t1: every connector hears of revoked serials (a grant may admit any id anywhere).
  assert.equal((await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).status, 200);
  const pushed = await s1.next((m) => m.body?.$case === "revokedCertificates", 1000);
  const serial = parseCertificate(t1.certPem).serialNumber.toLowerCase();
  assert.deepEqual(
    pushed.body?.$case === "revokedCertificates" &&
      pushed.body.value.certificates.map((c) => [c.serial, c.spiffeId]),
    [[serial, "spiffe://postern.internal/tunneler/t1"]],
  );
  s1.close();
  // A connector connecting later gets the whole list first, then its configuration.
  const s2 = connect(h, c2);
  await s2.next((m) => m.body?.$case === "trustBundle");
  assert.deepEqual(s2.messages.map((m) => m.body?.$case), ["revokedCertificates", "config", "trustBundle"]);
  const full = s2.messages[0]!.body;
  assert.deepEqual(full?.$case === "revokedCertificates" && full.value.certificates.map((c) => c.serial), [
    serial,
  ]);
  s2.close();
});
