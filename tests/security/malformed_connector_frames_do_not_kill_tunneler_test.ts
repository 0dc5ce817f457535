/**
 * The tunneler's side of peer input: a process on the connector's address holding the
 * connector's real identity (it passes every check) answers with a malformed HeartbeatAck and a
 * malformed TunnelReply. Each ends that one session with a warn naming the connector; the
 * tunneler process lives on and dials again.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { tempDir } from "../support/paths.ts";
import { encodeFrame, readFrame } from "../../shared/dataplane/framing.ts";
import { TunnelHello, TunnelReply } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { echoServer, roundTrip } from "../agents/_fixture.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { storedIdentity } from "./_hostile_peer.ts";
import { waitFor } from "../support/wait_for.ts";

const enc = new TextEncoder();
/** The review's frame: field 1 as length-delimited, length 0xffffffff, one byte of it. */
const MALFORMED = encodeFrame(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41]));

Deno.test("a malformed HeartbeatAck or TunnelReply ends that session, not the tunneler", async () => {
  await using dir = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(dir.path);
  let fake: tls.Server | undefined;
  try {
    const { connector, tunneler, fwdPort, listenPort } = await connectorAndTunneler(
      c,
      `127.0.0.1:${echo.port}`,
    );
    const stolen = await storedIdentity(`${dir.path}/connector-c1`);
    await connector.stop();
    // The hostile connector: accepts every hello, then answers with a malformed frame.
    const hellos: string[] = [];
    fake = tls.createServer({
      cert: stolen.certPem,
      key: stolen.keyPem,
      requestCert: true,
      rejectUnauthorized: false,
      allowHalfOpen: true,
    } as tls.TlsOptions, async (s) => {
      s.on("error", () => {});
      try {
        const hello = TunnelHello.decode(await readFrame(s));
        hellos.push(hello.kind?.$case ?? "none");
        if (hello.kind?.$case === "heartbeat") {
          s.write(encodeFrame(TunnelReply.encode({ ok: true, error: "" }).finish()));
          s.write(MALFORMED);
        } else s.write(MALFORMED);
        s.resume();
      } catch {
        s.destroy();
      }
    });
    await new Promise<void>((r) => fake!.listen(listenPort, "127.0.0.1", () => r()));
    assert.deepEqual((fake.address() as AddressInfo).port, listenPort);

    const warn = await tunneler.waitForLine("closing heartbeat session after a malformed frame", 20_000);
    assert.ok(warn.includes(`127.0.0.1:${listenPort}`) && warn.includes("premature EOF"), warn);
    // A tunnel through the forward gets the malformed reply: refused, named, nothing carried.
    assert.deepEqual((await roundTrip(fwdPort, enc.encode("x")).catch(() => new Uint8Array())).length, 0);
    const refused = await tunneler.waitForLine(/tunnel refused.*malformed tunnel reply/, 10_000);
    assert.ok(refused.includes(`127.0.0.1:${listenPort}`), refused);
    // The process lives on and dials again: another heartbeat hello reaches the fake.
    await waitFor(
      "the tunneler to open another heartbeat session",
      () => Promise.resolve(hellos.filter((h) => h === "heartbeat").length >= 2 || undefined),
      20_000,
      50,
      tunneler,
    );
    assert.deepEqual(await Promise.race([tunneler.exited, Promise.resolve("running")]), "running");
  } finally {
    fake?.close();
    await c.close();
  }
});
