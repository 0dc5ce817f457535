/**
 * Fuzz: random and malformed peer input thrown at running processes for a few seconds, from a
 * seeded PRNG (the seed is printed; POSTERN_FUZZ_SEED=<n> replays it): raw TCP garbage and
 * random frames, hellos and heartbeat frames at the connector's listener (authenticated with the
 * real tunneler's enrolled identity), and undecodable or oversized gRPC messages at the
 * controller's Enroll, Renew (as the tunneler) and Connect (as the connector). Afterwards every
 * process is alive, the real control stream and heartbeat session never dropped, and a real
 * tunnel still carries bytes.
 */
import { connectorHeartbeat } from "../support/messages.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { tempDir } from "../support/paths.ts";
import type { RunningProgram } from "../support/process.ts";
import { encodeFrame, MAX_FRAME } from "../../shared/dataplane/framing.ts";
import { TunnelHello } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import {
  AgentMessage,
  ControlPlaneService,
  TunnelerHeartbeat,
} from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import {
  EnrollmentService,
  EnrollRequest,
  RenewRequest,
} from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import {
  closed,
  grpcClient,
  heartbeatSessionAs,
  rawUnary,
  type StoredIdentity,
  storedIdentity,
  tlsAs,
} from "./_hostile_peer.ts";

const FUZZ_MS = 4_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  /** `valid` with a few bytes flipped, cut short or grown with junk. */
  const mutate = (valid: Uint8Array): Uint8Array => {
    const out = Uint8Array.from(valid);
    switch (int(4)) {
      case 0:
        for (let i = 0, n = 1 + int(4); i < n && out.length; i++) out[int(out.length)] = int(256);
        return out;
      case 1:
        return out.subarray(0, int(out.length));
      case 2:
        return Uint8Array.from([...out, ...bytes(1 + int(16))]);
      default: {
        // A length-delimited field claiming far more than there is (the report's frame).
        return Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, ...bytes(int(8))]);
      }
    }
  };
  return { next, int, bytes, mutate, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}
type Rand = ReturnType<typeof prng>;

/** A peer message: random bytes, a mutation of `valid`, or an oversized blob. */
function hostileMessage(r: Rand, valid: Uint8Array, oversize: number): Uint8Array {
  const k = r.int(10);
  if (k < 4) return r.mutate(valid);
  if (k < 9) return r.bytes(r.int(200));
  return r.bytes(oversize + 1 + r.int(1024));
}

/** A frame: usually a framed hostile message, sometimes a lying length prefix or raw bytes. */
function hostileFrame(r: Rand, valid: Uint8Array): Uint8Array {
  const k = r.int(10);
  if (k < 7) return encodeFrame(hostileMessage(r, valid, MAX_FRAME - 8));
  const header = Buffer.alloc(4);
  if (k < 9) {
    header.writeUInt32BE(r.pick([MAX_FRAME + 1, 0xffffffff, r.int(0xffffffff)]));
    return Buffer.concat([header, r.bytes(r.int(64))]);
  }
  return r.bytes(1 + r.int(64));
}

/** Resolves when `socket` is closed by the other side or after `ms`, then destroys it. */
async function settle(socket: net.Socket, ms: number): Promise<void> {
  await closed(socket, ms).catch(() => {});
  socket.destroy();
}

const VALID_HELLO = TunnelHello.encode({ kind: { $case: "open", value: { destination: "127.0.0.1:1" } } })
  .finish();
const VALID_HEARTBEAT = TunnelerHeartbeat.encode({
  tunnelerId: "t1",
  version: "fuzz",
  certNotAfterUnixMs: Date.now(),
  bytesIn: 1,
  bytesOut: 1,
  activeConnections: 1,
  trustedCaFingerprints: [],
  goodbye: false,
}).finish();

/** Connector listener, no TLS: raw bytes where a ClientHello should be. */
async function garbageTcp(r: Rand, port: number): Promise<void> {
  const s = net.connect({ host: "127.0.0.1", port });
  await new Promise((res, rej) => {
    s.once("connect", res);
    s.once("error", rej);
  });
  s.on("error", () => {});
  // Half the time a TLS record header first, so the garbage reaches the TLS parser.
  const head = r.int(2) ? Uint8Array.from([0x16, 0x03, 0x01, r.int(256), r.int(256)]) : new Uint8Array();
  s.write(Buffer.concat([head, r.bytes(r.int(2048))]));
  await settle(s, 100 + r.int(200));
}

/** Connector listener as the enrolled tunneler: a hostile hello. */
async function hostileHello(r: Rand, id: StoredIdentity, port: number): Promise<void> {
  const s = await tlsAs(id, port);
  s.on("error", () => {});
  s.write(hostileFrame(r, VALID_HELLO));
  await settle(s, 1_000);
}

/** Connector listener as the enrolled tunneler: a heartbeat session, then hostile frames. */
async function hostileHeartbeats(r: Rand, id: StoredIdentity, port: number): Promise<void> {
  const s = await heartbeatSessionAs(id, port);
  for (let i = 0, n = 1 + r.int(4); i < n && !s.destroyed; i++) {
    s.write(r.int(3) ? hostileFrame(r, VALID_HEARTBEAT) : encodeFrame(VALID_HEARTBEAT));
  }
  await settle(s, 500);
}

/** Opens Connect with raw bytes as messages; resolves with the final status code. */
function rawConnect(client: grpc.Client, r: Rand): Promise<number> {
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(
      ControlPlaneService.connect.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      // A stream whose messages all decode stays open: the deadline ends it.
      { deadline: Date.now() + 1_000 },
    );
    call.on("data", () => {});
    call.on("error", () => {});
    call.on("status", (s: grpc.StatusObject) => resolve(s.code));
    const valid = AgentMessage.encode(connectorHeartbeat("fuzz", "127.0.0.1")).finish();
    for (let i = 0, n = 1 + r.int(3); i < n; i++) {
      call.write(Buffer.from(hostileMessage(r, valid, 64 * 1024)));
    }
    call.end();
  });
}

const alive = async (p: RunningProgram) => await Promise.race([p.exited, Promise.resolve("running")]);

Deno.test("fuzzed frames, hellos, heartbeats and gRPC messages fail only their own session", async () => {
  const seed = Number(Deno.env.get("POSTERN_FUZZ_SEED") ?? crypto.getRandomValues(new Uint32Array(1))[0]);
  console.log(`fuzz seed ${seed} (replay: POSTERN_FUZZ_SEED=${seed})`);
  await using dir = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(dir.path);
  const clients: grpc.Client[] = [];
  try {
    const { connector, tunneler, fwdPort, listenPort } = await connectorAndTunneler(
      c,
      `127.0.0.1:${echo.port}`,
    );
    assert.deepEqual(await roundTripText(fwdPort, "before"), "beforebye");
    const t1 = await storedIdentity(`${dir.path}/tunneler-t1`);
    const c1 = await storedIdentity(`${dir.path}/connector-c1`);
    const caPem = await Deno.readTextFile(c.caCert);
    const anonymous = grpcClient(c.grpcAddr, caPem);
    const asTunneler = grpcClient(c.grpcAddr, caPem, t1);
    const asConnector = grpcClient(c.grpcAddr, caPem, c1);
    clients.push(anonymous, asTunneler, asConnector);
    const validEnroll = EnrollRequest.encode({
      token: "x",
      role: "tunneler",
      id: "fuzz",
      csrPem: "x",
      privateIp: "",
      version: "fuzz",
    })
      .finish();
    const validRenew = RenewRequest.encode({ csrPem: "x", version: "fuzz" }).finish();
    const statuses = new Map<string, number>();
    const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);

    // Each worker draws from its own stream of the seed, so a replay repeats every worker's input.
    const workers: [string, (r: Rand) => Promise<unknown>][] = [
      ["tcp", (r) => garbageTcp(r, listenPort)],
      ["hello", (r) => hostileHello(r, t1, listenPort)],
      ["heartbeat", (r) => hostileHeartbeats(r, t1, listenPort)],
      [
        "enroll",
        async (r) =>
          count(
            `enroll ${
              (await rawUnary(
                anonymous,
                EnrollmentService.enroll.path,
                hostileMessage(r, validEnroll, 64 * 1024),
              )).code
            }`,
          ),
      ],
      [
        "renew",
        async (r) =>
          count(
            `renew ${
              (await rawUnary(
                asTunneler,
                EnrollmentService.renew.path,
                hostileMessage(r, validRenew, 64 * 1024),
              )).code
            }`,
          ),
      ],
      ["connect", async (r) => count(`connect ${await rawConnect(asConnector, r)}`)],
    ];
    const deadline = Date.now() + FUZZ_MS;
    const runs = new Map<string, number>();
    await Promise.all(workers.map(async ([name, work], i) => {
      const r = prng(seed + i + 1);
      while (Date.now() < deadline) {
        // A worker's own failure (say, the port is gone) is counted; the checks below say why.
        const ok = await work(r).then(() => true, () => false);
        const key = ok ? name : `${name} failed`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
      }
    }));
    console.log(`fuzz runs ${JSON.stringify(Object.fromEntries(runs))}`);
    console.log(`fuzz gRPC statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

    // Every process serves on.
    for (const p of [c.controller, connector, tunneler]) {
      assert.deepEqual(await alive(p), "running", p.lines.slice(-5).join("\n"));
    }
    for (const p of [c.controller, connector, tunneler]) {
      assert.ok(!p.lines.some((l) => /uncaught|panicked/i.test(l)), p.lines.join("\n"));
    }
    // The fuzz reached the decode paths it aims at.
    assert.ok(connector.lines.some((l) => l.includes("bad tunnel hello")), "no hello was refused");
    assert.ok(
      connector.lines.some((l) => l.includes("closing heartbeat session after a malformed frame")),
      "no heartbeat session was closed",
    );
    assert.ok(statuses.get(`enroll ${grpc.status.INTERNAL}`), "no Enroll request failed to decode");
    assert.ok(statuses.get(`enroll ${grpc.status.RESOURCE_EXHAUSTED}`), "no oversized Enroll request");
    // The real control stream and heartbeat session never dropped, and a real tunnel carries bytes.
    const connected = (p: RunningProgram) =>
      p.lines.filter((l) => l.includes("control-plane stream connected"));
    assert.deepEqual(connected(connector).length, 1, connector.lines.join("\n"));
    assert.deepEqual(connected(tunneler).length, 1, tunneler.lines.join("\n"));
    assert.deepEqual(await c.status("connectors", "c1"), "ONLINE");
    assert.deepEqual(await c.status("tunnelers", "t1"), "ONLINE");
    assert.deepEqual(await roundTripText(fwdPort, "after"), "afterbye");
  } finally {
    for (const client of clients) client.close();
    await c.close();
  }
});
