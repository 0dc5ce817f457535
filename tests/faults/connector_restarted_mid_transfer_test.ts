/**
 * Fault, real processes: connector c1 is restarted (SIGTERM, then `run` again on its stored
 * identity) while tunnels carry data. Two connectors serve one echo resource:
 * - t1 lists c1 then c2: its live tunnel through c1 ends with a line naming c1, and its new
 *   connections carry on through c2 at once;
 * - t3 lists only c1: its live tunnel ends with the same line, and once c1 is back its forward works again;
 * - t2 lists only c2: its transfer, running all along, arrives whole and in order, and it logs nothing.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTrip, roundTripText } from "../agents/_fixture.ts";
import { type Cluster, clusterWithEcho, servingConnector } from "../agents/_cluster.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();
const TUNNELERS = ["t1", "t2", "t3"];

/**
 * Starts connector `id` serving `resource` to every tunneler (or, with `enroll: false`, on its
 * stored identity at `port`); resolves once it has applied that resource.
 */
async function connector(c: Cluster, id: string, resource: string, port = 0, enroll = true) {
  const served = await servingConnector(c, id, resource, { tunnelers: TUNNELERS, port, enroll });
  await served.p.waitForLine(/configuration applied.*resources=1/);
  return served;
}

/**
 * A transfer through the forward at `port` that sends a numbered line every 20 ms and reads the
 * echo back; `finish()` half-closes and resolves with what was sent, what came back, and any error.
 */
function drip(port: number) {
  let sent = "";
  let received = "";
  let error: Error | undefined;
  let n = 0;
  const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  s.setEncoding("utf8");
  s.on("data", (d: string) => (received += d));
  s.on("error", (e) => (error = e));
  const ended = new Promise<void>((r) => s.once("close", () => r()));
  const timer = setInterval(() => {
    const line = `${n++}\n`;
    sent += line;
    if (!s.destroyed) s.write(line);
  }, 20);
  return {
    /** Bytes echoed so far. */
    received: () => received.length,
    /** Whether the connection was closed. */
    closed: () => s.destroyed,
    ended,
    async finish() {
      clearInterval(timer);
      s.end();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
      s.destroy();
      return { sent, received, error };
    },
  };
}

Deno.test("a connector restarted mid-transfer: its tunnelers say so and carry on via another connector or its return; others unaffected", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const resource = `127.0.0.1:${echo.port}`;
  const c1 = await connector(c, "c1", resource);
  const c2 = await connector(c, "c2", resource);
  const tunnelers = new Map<string, { fwd: number; p: ReturnType<Cluster["start"]> }>();
  for (const [id, addrs] of [["t1", ["c1", "c2"]], ["t2", ["c2"]], ["t3", ["c1"]]] as const) {
    const fwd = freePort();
    const ports: Record<string, number> = { c1: c1.port, c2: c2.port };
    const p = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv(id, 0, `127.0.0.1:${fwd}=${resource}`),
      CONNECTOR_ADDR: addrs.map((a) => `${a}@127.0.0.1:${ports[a]}`).join(","),
      ENROLLMENT_TOKEN: await c.token("tunneler", id),
    });
    await p.waitForLine("control-plane stream connected", 20_000);
    assert.deepEqual(await roundTripText(fwd, id), `${id}bye`);
    tunnelers.set(id, { fwd, p });
  }
  const t = (id: string) => tunnelers.get(id)!;

  const transfers = new Map(TUNNELERS.map((id) => [id, drip(t(id).fwd)]));
  await waitFor(
    "data flowing through every tunnel",
    () => Promise.resolve([...transfers.values()].every((d) => d.received() > 20) || undefined),
    10_000,
  );

  const t2BeforeStop = transfers.get("t2")!.received();
  assert.deepEqual(await c1.p.stop(), 0);
  for (const id of ["t1", "t3"]) {
    // Not the first round trip's line (closed_by=client): the transfer's, ended by c1's stop.
    await t(id).p.waitForLine(/tunnel ended.*connector=c1 (closed_by=connector|error=)/, 10_000);
    await transfers.get(id)!.ended;
  }
  // t1 carries on through c2 while c1 is away.
  const viaC2 = await waitFor("a round trip of t1 via c2", async () => {
    try {
      return dec.decode(await roundTrip(t("t1").fwd, enc.encode("away")));
    } catch {
      return undefined;
    }
  }, 5_000);
  assert.deepEqual(viaC2, "awaybye");

  // c1 returns on its stored identity and port; t3's forward works again.
  const back = await connector(c, "c1", resource, c1.port, false);
  assert.ok(!back.p.lines.some((l) => l.includes("enrolling")), back.p.lines.join("\n"));
  const viaC1 = await waitFor(
    "a round trip of t3 via the returned c1",
    async () => {
      try {
        return dec.decode(await roundTrip(t("t3").fwd, enc.encode("back")));
      } catch {
        return undefined;
      }
    },
    20_000,
    200,
    t("t3").p,
  );
  assert.deepEqual(viaC1, "backbye");

  // t2's transfer ran all along through c2: it kept flowing after c1 stopped, every byte came
  // back in order, and t2 logged nothing about it.
  await waitFor(
    "t2's transfer still flowing after c1's restart",
    () => {
      const n = transfers.get("t2")!.received();
      return Promise.resolve(n > 100 && n > t2BeforeStop + 20 || undefined);
    },
    10_000,
  );
  const t2 = await transfers.get("t2")!.finish();
  assert.deepEqual(t2.error, undefined);
  assert.ok(t2.sent.length > 100, `sent ${t2.sent.length} bytes`);
  assert.deepEqual(t2.received, t2.sent + "bye");
  // Its tunnels ended only as their client closed them (the round trip's, the transfer's).
  assert.deepEqual(
    t("t2").p.lines.filter((l) =>
      l.includes("WARN") || (l.includes("tunnel ended") && !l.includes("closed_by=client"))
    ),
    [],
  );
  for (const id of ["t1", "t3"]) await transfers.get(id)!.finish();
  await waitFor(
    "t1, t2, t3 ONLINE",
    async () => {
      for (const id of TUNNELERS) if ((await c.status("tunnelers", id)) !== "ONLINE") return undefined;
      return true;
    },
    15_000,
  );
});
