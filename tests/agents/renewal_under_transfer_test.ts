/**
 * Failure mode 4.1 (renewal too late): with 6-second certificates both agents renew every few
 * seconds for a minute while a tunneled transfer runs. Nothing breaks, every byte arrives, the
 * registry's cert_expires_at moves forward, and neither agent flaps OFFLINE.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { tempDir } from "../support/paths.ts";
import { connectorAndTunneler, countingSink, startCluster } from "./_cluster.ts";

const TRANSFER_SECONDS = 60;
// A 6 s certificate is renewed with a third of its life left, with jitter: every ~4 s, so 15 in a
// minute. Fewer than 12 means renewals stalled; more than 30 means a renewal loop.
const MIN_RENEWALS = 12;
const MAX_RENEWALS = 30;

/** Sends `data`, half-closes, resolves with the reply text. */
function send(port: number, data: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => s.end(data));
    s.on("data", (c: Uint8Array) => (reply += new TextDecoder().decode(c)));
    s.on("end", () => (s.end(), resolve(reply)));
    s.on("error", reject);
  });
}

Deno.test("agents renew 6-second certificates during a one-minute tunneled transfer without breaking it or going OFFLINE (4.1)", async () => {
  await using dir = await tempDir();
  const sink = await countingSink();
  const c = await startCluster(dir.path, { CONNECTOR_CERT_TTL: "6s", TUNNELER_CERT_TTL: "6s" });
  try {
    const { connector, tunneler, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${sink.port}`);
    const first = {
      c1: (await c.admin("GET", "/api/admin/connectors/c1")).body.cert_expires_at as string,
      t1: (await c.admin("GET", "/api/admin/tunnelers/t1")).body.cert_expires_at as string,
    };

    // The admin API every 250 ms: any status other than ONLINE is a flap.
    const flaps: string[] = [];
    const expiries = { c1: new Set<string>(), t1: new Set<string>() };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const [role, id] of [["connectors", "c1"], ["tunnelers", "t1"]] as const) {
          const r = await c.admin("GET", `/api/admin/${role}/${id}`);
          if (r.body?.status !== "ONLINE") flaps.push(`${new Date().toISOString()} ${id} ${r.body?.status}`);
          if (r.body?.cert_expires_at) expiries[id].add(r.body.cert_expires_at);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    // One long tunneled connection: 64 KiB every 200 ms for 60 s (18.75 MiB), plus a new short
    // connection every 2 s (fresh handshakes with the renewed certificates on both sides).
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const writes = TRANSFER_SECONDS * 5;
    const started = performance.now();
    let sent = 0;
    const stream = net.connect({ host: "127.0.0.1", port: fwdPort, allowHalfOpen: true });
    let reply = "";
    stream.on("data", (b: Uint8Array) => (reply += new TextDecoder().decode(b)));
    const streamDone = new Promise<void>((resolve, reject) => {
      stream.on("end", () => (stream.end(), resolve()));
      stream.on("error", reject);
      stream.on("close", () => resolve());
    });
    await new Promise<void>((r) => stream.once("connect", () => r()));
    const shorts: string[] = [];
    for (let i = 0; i < writes; i++) {
      stream.write(chunk);
      sent += chunk.length;
      if (i % 10 === 5) shorts.push(await send(fwdPort, new TextEncoder().encode(`short ${i}`)));
      await new Promise((r) => setTimeout(r, 200));
    }
    stream.end();
    await streamDone;
    polling = false;
    await poller;

    assert.deepEqual(reply, String(sent), "the long tunneled connection lost bytes or broke");
    assert.deepEqual(sent, writes * 64 * 1024);
    assert.deepEqual(shorts, shorts.map((_s, k) => String(`short ${k * 10 + 5}`.length)));
    assert.deepEqual(flaps, [], "an agent flapped OFFLINE during renewals");

    // Certificates were renewed several times, and not in a hot loop (~every 4 s of a 6 s life).
    const seconds = (performance.now() - started) / 1000;
    const renewals = (id: string) =>
      connector.lines.concat(tunneler.lines).filter((l) =>
        l.includes("certificate renewed") && l.includes(`/${id}`)
      )
        .length;
    for (const id of ["c1", "t1"] as const) {
      const n = renewals(id);
      console.log(
        `${id}: ${n} renewals, ${expiries[id].size} distinct cert_expires_at, ${sent} bytes in ${
          seconds.toFixed(1)
        } s`,
      );
      assert.ok(n >= MIN_RENEWALS && n <= MAX_RENEWALS, `${id} renewed ${n} times in ~${TRANSFER_SECONDS} s`);
      assert.ok(expiries[id].size >= MIN_RENEWALS, `${id} cert_expires_at took ${expiries[id].size} values`);
      const latest = [...expiries[id]].sort().at(-1)!;
      assert.ok(Date.parse(latest) > Date.parse(first[id]) + 45_000, `${id}: ${first[id]} -> ${latest}`);
    }
    // status --json of the running tunneler shows the renewed certificate and a connected session.
    const st = c.start("tunneler", ["status", "--json"], { TUNNELER_STATE_DIR: `${dir.path}/tunneler-t1` });
    assert.deepEqual(await st.exited, 0);
    const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
    assert.ok(Date.parse(report.identity.not_after) > Date.parse(first.t1) + 45_000, JSON.stringify(report));
    assert.deepEqual(report.runtime.control_plane, "connected");
    const offline = await c.admin("GET", "/api/admin/events?limit=1000");
    const kinds = (offline.body.events as { kind: string }[]).map((e) => e.kind);
    assert.ok(!kinds.includes("connector.offline") && !kinds.includes("tunneler.offline"), kinds.join(","));
    assert.ok(kinds.filter((k) => k === "connector.renewed").length >= MIN_RENEWALS, kinds.join(","));
    // The control-plane stream was never reset by a renewal (3.1 would show a second line).
    assert.deepEqual(connector.lines.filter((l) => l.includes("control-plane stream connected")).length, 1);
    assert.deepEqual(tunneler.lines.filter((l) => l.includes("control-plane stream connected")).length, 1);
    assert.ok(!tunneler.lines.some((l) => l.includes("tunnel refused")), tunneler.lines.join("\n"));
  } finally {
    await c.close();
    await sink.close();
  }
});
