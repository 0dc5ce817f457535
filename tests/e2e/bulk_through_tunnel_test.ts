import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { withTopology } from "./_topology.ts";
import { within } from "../support/within.ts";

/** The sink stops reading for STALL_MS once this many bytes have arrived. */
const STALL_AFTER = 32 * 1024 * 1024;
const STALL_MS = 2_000;

/** Bytes the bulk sender has handed to its socket, and what was in the tunnel after the stall. */
const progress = { sent: 0, inFlightAfterStall: -1 };

/**
 * The resource: answers "PING\n" with "PONG\n"; any other stream is hashed until the
 * sender's half-close, then answered with "<bytes> <sha256>". It stalls once mid-stream, so
 * the agents have to hold the sender back. Native Deno TCP, in the test process.
 */
function startSink(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const hash = createHash("sha256");
        const buffer = new Uint8Array(256 * 1024);
        let bytes = 0;
        try {
          // conn.read(), not conn.readable: the stream would close the connection at EOF, and
          // the answer goes out after the sender's half-close.
          for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
            const chunk = buffer.subarray(0, n);
            if (bytes === 0 && n >= 5 && new TextDecoder().decode(chunk.subarray(0, 5)) === "PING\n") {
              await conn.write(new TextEncoder().encode("PONG\n"));
              break;
            }
            bytes += n;
            hash.update(chunk);
            if (progress.inFlightAfterStall < 0 && bytes >= STALL_AFTER) {
              await new Promise((r) => setTimeout(r, STALL_MS));
              progress.inFlightAfterStall = progress.sent - bytes;
            }
          }
          if (bytes > 0) await conn.write(new TextEncoder().encode(`${bytes} ${hash.digest("hex")}`));
        } catch {
          // the peer went away; nothing to answer
        } finally {
          conn.close();
        }
      })();
    }
  })().catch(() => {});
  return { port: (listener.addr as Deno.NetAddr).port, close: () => listener.close() };
}

/** Sends `mib` MiB of a fixed pattern, half-closes, and returns the sink's answer and our hash. */
async function bulk(port: number, mib: number): Promise<{ answer: string; expected: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
  const hash = createHash("sha256");
  const reading = new Response(conn.readable).text();
  for (let i = 0; i < mib; i++) {
    chunk[0] = i & 0xff; // every MiB differs, so a lost or repeated chunk changes the hash
    hash.update(chunk);
    // Deno.Conn.write() may take fewer bytes than offered: write until the chunk is out.
    for (let off = 0; off < chunk.length;) {
      const n = await conn.write(chunk.subarray(off));
      off += n;
      progress.sent += n;
    }
  }
  await conn.closeWrite();
  return { answer: await reading, expected: `${mib * 1024 * 1024} ${hash.digest("hex")}` };
}

async function ping(port: number): Promise<boolean> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("PING\n"));
  const reply = await new Response(conn.readable).text();
  return reply === "PONG\n";
}

Deno.test({
  name:
    "real processes: 256 MiB reach a stalling resource intact, held back while it stalls, the half-close answered; 1,000 short connections all answer",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sink = startSink();
    try {
      await withTopology(async (t) => {
        const { answer, expected } = await within(
          bulk(t.forwardPort, 256),
          120_000,
          "256 MiB through the tunnel",
        );
        assert.equal(answer, expected);
        // While the resource stalled, the agents held the sender back: what was in flight is
        // what the socket buffers hold (the runtime alone took in the whole rest, 224 MiB).
        const inFlightMib = progress.inFlightAfterStall / 1024 / 1024;
        assert.ok(
          inFlightMib >= 0 && inFlightMib < 64,
          `${inFlightMib.toFixed(1)} MiB in flight after the stall`,
        );

        let answered = 0;
        let next = 0;
        const worker = async () => {
          while (next < 1_000) {
            next++;
            if (await ping(t.forwardPort)) answered++;
          }
        };
        await within(Promise.all(Array.from({ length: 8 }, worker)), 120_000, "1,000 short connections");
        assert.equal(answered, 1_000);
      }, { resourceAddr: `127.0.0.1:${sink.port}`, ui: false });
    } finally {
      sink.close();
    }
  },
});
