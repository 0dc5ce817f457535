import assert from "node:assert/strict";
import type tls from "node:tls";
import { repairTlsFlow } from "./tls_flow.ts";
import { flood, floodStalled, tlsPair } from "../dataplane/testing_sockets.ts";

/** Reads `s`, pausing for a millisecond after about one chunk in five; resolves at 'end'. */
function readWithPauses(s: tls.TLSSocket, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const timer = setTimeout(() => reject(new Error(`no 'end' after ${received} bytes`)), timeoutMs);
    s.on("data", (d: Uint8Array) => {
      received += d.length;
      if (Math.random() < 0.2) {
        s.pause();
        setTimeout(() => s.resume(), 1);
      }
    });
    s.once("end", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

for (const receiver of ["server", "client"] as const) {
  const sender = receiver === "server" ? "client" : "server";

  Deno.test(`a paused ${receiver} TLS socket stops its peer from sending (TCP backpressure)`, async () => {
    const pair = await tlsPair();
    try {
      const progress = flood(pair[sender], 1024 * 1024 * 1024);
      await new Promise((r) => pair[receiver].once("data", r));
      pair[receiver].pause();
      await floodStalled(progress);
      // Socket buffers on both ends hold a few MiB; without the repair the runtime took
      // hundreds of MiB into memory here.
      assert.ok(progress.sent < 64 * 1024 * 1024, `sender wrote ${progress.sent} bytes into a paused reader`);
      pair[receiver].resume();
    } finally {
      pair.close();
    }
  });

  Deno.test(`a ${receiver} TLS socket read with pauses gets every byte and then 'end'`, async () => {
    for (let run = 0; run < 4; run++) {
      const pair = await tlsPair();
      try {
        const reading = readWithPauses(pair[receiver], 10_000);
        flood(pair[sender], 32 * 1024 * 1024);
        assert.equal(await reading, 32 * 1024 * 1024, `run ${run}`);
      } finally {
        pair.close();
      }
    }
  });
}

Deno.test("a socket without the runtime's internals is left unchanged", () => {
  const notTls = { _handle: { readStart() {}, readStop() {} } } as unknown as tls.TLSSocket;
  assert.equal(repairTlsFlow(notTls), false);
});
