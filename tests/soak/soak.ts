/**
 * The soak (`deno task test:soak`, not in the default run): a three-member etcd, two controllers,
 * two connectors of one network and two tunnelers, all on 20-second certificates, for `minutes`,
 * with traffic through both connectors the whole time, and controller 0 restarted midway (SIGTERM,
 * then started again on the same store).
 *
 * Traffic: each tunneler keeps long connections open through its forward (16 KiB every 100 ms to
 * a counting sink, replaced by a new one every minute: a broken one shows as a short count or an
 * error) and opens a short echo connection every 500 ms. Every 500 ms each agent's status is read
 * from every running controller: an agent no controller lists ONLINE counts as an OFFLINE
 * transition, and so does any `*.offline` event. The result says what broke, if anything, and the figures measured.
 * @module
 */
import net from "node:net";
import { startHa } from "../ha/_ha.ts";
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { allowThrough, connectorEnv, countingSink, reportedPort, tunnelerEnv } from "../agents/_cluster.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";

/** What one soak run measured. */
export interface SoakResult {
  minutes: number;
  longConnections: number;
  brokenLong: string[];
  shortConnections: number;
  brokenShort: string[];
  bytesThroughTunnels: number;
  offlineTransitions: string[];
  renewals: Record<string, number>;
  /** ms from the controller's restart until every connector streamed again. */
  restartMovedMs: number;
  statusPolls: number;
  /**
   * Polls where one controller said ONLINE and another not: each controller lists as ONLINE the
   * agents whose stream it holds until presence is shared across controllers.
   */
  viewsDisagreeing: number;
}

const AGENTS = [["connectors", "c1"], ["connectors", "c2"], ["tunnelers", "t1"], [
  "tunnelers",
  "t2",
]] as const;
const CHUNK = new Uint8Array(16 * 1024).fill(5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One long tunneled connection to the counting sink; resolves with an error text, or "" when intact. */
function longConnection(port: number, stopAt: () => boolean, sent: (n: number) => void): Promise<string> {
  return new Promise((resolve) => {
    let total = 0;
    let reply = "";
    let ended = false;
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const finish = (why: string) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      resolve(why);
    };
    const timer = setInterval(() => {
      if (stopAt()) {
        clearInterval(timer);
        s.end();
        return;
      }
      s.write(CHUNK);
      total += CHUNK.length;
      sent(CHUNK.length);
    }, 100);
    s.on("data", (b: Uint8Array) => (reply += new TextDecoder().decode(b)));
    s.on("end", () => {
      s.end();
      finish(reply === String(total) ? "" : `sent ${total} bytes, the sink counted ${reply || "none"}`);
    });
    s.on("error", (e) => finish(`error after ${total} bytes: ${e.message}`));
    s.on("close", () => finish(reply === String(total) ? "" : `closed after ${total} bytes`));
  });
}

/** Runs the soak for `minutes`; `say` gets progress lines. */
export async function runSoak(minutes: number, say: (line: string) => void = () => {}): Promise<SoakResult> {
  const runMs = minutes * 60_000;
  await using ha = await startHa(2, { CONNECTOR_CERT_TTL: "20s", TUNNELER_CERT_TTL: "20s" });
  await using sink = {
    ...(await countingSink()),
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
  await using echo = await echoServer();
  const caPath = `${ha.dir}/controller-ca.pem`;
  await Deno.writeTextFile(caPath, ha.caCertPem);
  const [ctl0, ctl1] = [ha.controllers[0]!, ha.controllers[1]!];
  const running: RunningProgram[] = [];
  try {
    const resources = [`127.0.0.1:${sink.port}`, `127.0.0.1:${echo.port}`];
    const listen: string[] = [];
    for (const [i, id] of ["c1", "c2"].entries()) {
      // c1 starts on controller 0 (the one restarted), c2 on controller 1.
      const order = i === 0 ? [ctl0, ctl1] : [ctl1, ctl0];
      const p = startProgram("connector", {
        args: ["run"],
        env: {
          ...connectorEnv({ grpcAddr: order.map((c) => c.grpcAddr).join(","), caPath, dir: ha.dir }, id, 0),
          ENROLLMENT_TOKEN: await ha.token(0, "connector"),
        },
      });
      running.push(p);
      listen.push(`${id}@127.0.0.1:${reportedPort(await p.waitForLine("listening for tunnelers", 20_000))}`);
      await p.waitForLine("control-plane stream connected", 20_000);
      await allowThrough(ctl0, id, ["t1", "t2"], resources);
      await p.waitForLine(/configuration applied.*resources=2/, 20_000);
    }
    const forwards: { sink: number; echo: number }[] = [];
    for (const [i, id] of ["t1", "t2"].entries()) {
      const fwd = { sink: freePort(), echo: freePort() };
      forwards.push(fwd);
      // t1 uses c1 first, t2 c2: traffic through both connectors.
      const p = startProgram("tunneler", {
        args: ["run"],
        env: {
          ...tunnelerEnv(
            { grpcAddr: `${ctl0.grpcAddr},${ctl1.grpcAddr}`, caPath, dir: ha.dir },
            id,
            (i === 0 ? listen : [...listen].reverse()).join(","),
            `127.0.0.1:${fwd.sink}=${resources[0]},127.0.0.1:${fwd.echo}=${resources[1]}`,
          ),
          ENROLLMENT_TOKEN: await ha.token(1, "tunneler", id),
        },
      });
      running.push(p);
      await p.waitForLine("control-plane stream connected", 20_000);
    }
    say(`running ${minutes} min: two controllers, two connectors, two tunnelers, 20 s certificates`);

    const started = Date.now();
    const done = () => Date.now() - started >= runMs;
    let bytes = 0;
    const result: SoakResult = {
      minutes,
      longConnections: 0,
      brokenLong: [],
      shortConnections: 0,
      brokenShort: [],
      bytesThroughTunnels: 0,
      offlineTransitions: [],
      renewals: {},
      restartMovedMs: -1,
      statusPolls: 0,
      viewsDisagreeing: 0,
    };
    let ctl0Up = true;

    // Long connections, one per tunneler at a time, each for up to a minute.
    const longs = forwards.map(async (f, i) => {
      while (!done()) {
        const until = Math.min(Date.now() + 60_000, started + runMs);
        result.longConnections++;
        const why = await longConnection(f.sink, () => Date.now() >= until, (n) => (bytes += n));
        if (why) result.brokenLong.push(`t${i + 1}: ${why}`);
      }
    });
    const shorts = forwards.map(async (f, i) => {
      for (let n = 0; !done(); n++) {
        result.shortConnections++;
        const text = `t${i + 1} short ${n}`;
        try {
          const back = await roundTripText(f.echo, text);
          if (back !== `${text}bye`) result.brokenShort.push(`${text}: got ${JSON.stringify(back)}`);
        } catch (e) {
          result.brokenShort.push(`${text}: ${(e as Error).message}`);
        }
        await sleep(500);
      }
    });
    const poller = (async () => {
      while (!done()) {
        for (const [role, id] of AGENTS) {
          const seen: string[] = [];
          for (const [ci, c] of ha.controllers.entries()) {
            if (ci === 0 && !ctl0Up) continue;
            const r = await c.admin("GET", `/api/admin/${role}/${id}`).catch((e: Error) => ({
              status: 0,
              body: { status: e.message },
            }));
            result.statusPolls++;
            seen.push(`controller ${ci} ${r.body?.status}`);
          }
          const online = seen.filter((v) => v.endsWith(" ONLINE")).length;
          if (online === 0) {
            result.offlineTransitions.push(`${new Date().toISOString()} ${id}: ${seen.join(", ")}`);
          } else if (online < seen.length) result.viewsDisagreeing++;
        }
        await sleep(500);
      }
    })();
    const restart = (async () => {
      await sleep(runMs / 2);
      say("restarting controller 0");
      ctl0Up = false;
      const at = Date.now();
      const before = running[0]!.lines.filter((l) => l.includes("control-plane stream connected")).length;
      await ctl0.process.stop();
      ctl0.process = await ctl0.start();
      ctl0Up = true;
      for (let i = 0; i < 600; i++) {
        if (running[0]!.lines.filter((l) => l.includes("control-plane stream connected")).length > before) {
          break;
        }
        await sleep(50);
      }
      result.restartMovedMs = Date.now() - at;
      say(`controller 0 back; c1 streamed again ${result.restartMovedMs} ms after the restart began`);
    })();
    const ticker = setInterval(
      () => say(`${Math.round((Date.now() - started) / 1000)} s, ${bytes} bytes`),
      60_000,
    );
    await Promise.all([...longs, ...shorts, poller, restart]);
    clearInterval(ticker);

    result.bytesThroughTunnels = bytes;
    const events = (await ctl1.admin("GET", "/api/admin/events?limit=1000")).body.events as {
      kind: string;
    }[];
    for (const e of events) {
      if (e.kind.endsWith(".offline")) result.offlineTransitions.push(`event ${e.kind}`);
    }
    for (const [, id] of AGENTS) {
      result.renewals[id] = running.flatMap((p) =>
        p.lines
      ).filter((l) => l.includes("certificate renewed") && l.includes(`/${id} `)).length;
    }
    return result;
  } finally {
    await Promise.all(running.map((p) => p.stop()));
  }
}
