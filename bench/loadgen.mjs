// Load generator shared by every tunnel benchmark, so that figures compare like with like.
//   node loadgen.mjs sink PORT              TCP sink: counts bytes until EOF, replies with the count;
//                                           a connection that sends "PING\n" first is echoed instead.
//   node loadgen.mjs bulk PORT MIB           one connection, MIB mebibytes up, prints JSON {MBps}
//   node loadgen.mjs bulkpar PORT MIB PAR    PAR connections at once, MIB mebibytes up each, prints JSON
//                                           {MBps (aggregate), complete (every count came back), slowest_MBps}
//   node loadgen.mjs connrate PORT N [PAR]   N connections (PAR at a time), each PING round trip,
//                                           prints JSON {conns_per_s, p50_ms, p99_ms, failed}; a time is
//                                           connect() to the first reply byte
import net from "node:net";

/** Writes `chunk` to socket `c` until `total` bytes are sent, waiting for "drain" when it is full; then half-closes. */
function upload(c, chunk, total) {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!c.write(chunk)) return void c.once("drain", pump);
    }
    c.end();
  };
  pump();
}

const [mode, portArg, nArg, parArg] = process.argv.slice(2);
const port = Number(portArg);

if (mode === "sink") {
  net.createServer((s) => {
    let n = 0, first = true;
    s.on("data", (d) => {
      if (first && d.length >= 5 && d.subarray(0, 5).toString() === "PING\n") {
        first = false;
        s.end("PONG\n");
        return;
      }
      first = false;
      n += d.length;
    });
    s.on("end", () => s.end(String(n)));
    s.on("error", () => {});
  }).listen(port, "127.0.0.1");
} else if (mode === "bulk") {
  const total = Number(nArg || 1024) * 1024 * 1024;
  const t0 = performance.now();
  const c = net.connect(port, "127.0.0.1", () => {
    upload(c, Buffer.alloc(256 * 1024, 7), total);
  });
  let reply = "";
  c.on("data", (d) => (reply += d));
  c.on("error", (e) => {
    console.log(JSON.stringify({ error: e.message }));
    process.exit(1);
  });
  c.on("close", () => {
    const s = (performance.now() - t0) / 1000;
    const ok = Number(reply) === total;
    console.log(JSON.stringify({ bytes: Number(reply), complete: ok, MBps: Math.round(total / 1e6 / s) }));
    process.exit(ok ? 0 : 1);
  });
} else if (mode === "bulkpar") {
  const each = Number(nArg || 256) * 1024 * 1024, par = Number(parArg || 8);
  const chunk = Buffer.alloc(256 * 1024, 7);
  const one = () =>
    new Promise((res) => {
      const t0 = performance.now();
      const c = net.connect(port, "127.0.0.1", () => {
        upload(c, chunk, each);
      });
      let reply = "";
      c.on("data", (d) => (reply += d));
      c.on("error", () => {});
      c.on("close", () => res({ ok: Number(reply) === each, s: (performance.now() - t0) / 1000 }));
    });
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: par }, one));
  const s = (performance.now() - t0) / 1000;
  const complete = results.every((r) => r.ok);
  const slowest = Math.max(...results.map((r) => r.s));
  console.log(JSON.stringify({
    streams: par,
    complete,
    MBps: Math.round((each * par) / 1e6 / s),
    slowest_MBps: Math.round(each / 1e6 / slowest),
  }));
  process.exit(complete ? 0 : 1);
} else if (mode === "connrate") {
  const n = Number(nArg || 500), par = Number(parArg || 8);
  const times = [];
  let failed = 0, started = 0;
  const one = () =>
    new Promise((res) => {
      const t0 = performance.now();
      const c = net.connect(port, "127.0.0.1", () => c.write("PING\n"));
      let got = "";
      c.setTimeout(10000, () => c.destroy(new Error("timeout")));
      let t1 = 0;
      c.on("data", (d) => {
        got += d;
        if (!t1 && got.startsWith("PONG")) {
          t1 = performance.now();
          c.end();
        }
      });
      c.on("error", () => {});
      c.on("close", () => {
        if (t1) times.push(t1 - t0);
        else failed++;
        res();
      });
    });
  const worker = async () => {
    while (started < n) {
      started++;
      await one();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: par }, worker));
  const s = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const q = (p) =>
    times.length ? +times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2) : null;
  console.log(
    JSON.stringify({ conns_per_s: Math.round(times.length / s), p50_ms: q(0.5), p99_ms: q(0.99), failed }),
  );
  process.exit(failed ? 1 : 0);
} else {
  console.error("usage: loadgen.mjs sink|bulk|bulkpar|connrate PORT [...]");
  process.exit(2);
}
