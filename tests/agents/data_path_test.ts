import assert from "node:assert/strict";
import { bulk, echoServer, forwardTo, rig, roundTrip, roundTripText } from "./_fixture.ts";

const dec = new TextDecoder();

Deno.test("forward carries bytes both ways and the half-close reply arrives", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
  });
  const got = await roundTrip(r.forwarder.ports[0]!, new TextEncoder().encode("hello"));
  assert.deepEqual(dec.decode(got), "hellobye");
});

Deno.test("forward moves 256 MiB both ways intact", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    forwards: `127.0.0.1:0=127.0.0.1:${echo.port}`,
    resources: [`127.0.0.1/32:${echo.port}`],
  });
  const total = 256 * 1024 * 1024;
  const res = await bulk(r.forwarder.ports[0]!, total);
  assert.deepEqual(res.received, total + 3); // echo + "bye"
  assert.deepEqual(res.ok, true);
  console.log(
    `256 MiB echoed through the tunnel in ${res.ms.toFixed(0)} ms: ${
      (2 * 256 / (res.ms / 1000)).toFixed(0)
    } MiB/s (both directions)`,
  );
  const s = r.listener.stats();
  assert.deepEqual(s.bytesIn >= total, true);
});

Deno.test("forward carries 1,000 short connections intact", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
  });
  const start = performance.now();
  let done = 0;
  const one = async (i: number) => {
    const msg = `message ${i}`;
    const got = await roundTripText(r.forwarder.ports[0]!, msg);
    assert.deepEqual(got, msg + "bye");
    done++;
  };
  for (let batch = 0; batch < 1000; batch += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, k) => one(batch + k)));
  }
  assert.deepEqual(done, 1000);
  console.log(`1,000 tunneled connections in ${(performance.now() - start).toFixed(0)} ms`);
});

Deno.test("a resource that speaks first (an SSH banner): the banner reaches the app on every connection", async () => {
  // The banner may reach the tunneler in the same read as the connector's reply; its first
  // four bytes, taken for a frame length, would be far above the limit (framing_test.ts covers
  // that case exactly; here it depends on timing).
  const banner = "SSH-2.0-OpenSSH_9.6 postern-test\r\n";
  await using echo = await echoServer({ banner });
  await using r = await rig({
    ...forwardTo(echo.port),
  });
  const one = async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: r.forwarder.ports[0]! });
    try {
      let got = "";
      const buffer = new Uint8Array(256);
      while (got.length < banner.length) {
        const n = await conn.read(buffer);
        if (n === null) break;
        got += dec.decode(buffer.subarray(0, n));
      }
      return got;
    } finally {
      conn.close();
    }
  };
  for (let batch = 0; batch < 10; batch++) {
    const got = await Promise.all(Array.from({ length: 20 }, one));
    assert.deepEqual(got, Array(20).fill(banner));
  }
});
