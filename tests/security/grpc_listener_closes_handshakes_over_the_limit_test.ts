/**
 * A flood of TCP connections to the controller's gRPC port could hold any number of unfinished
 * TLS handshakes. Now at most maxPending are unfinished at once: the excess is closed on arrival,
 * counted in one rate-limited warn and in postern_grpc_handshakes_closed_total{reason="limit"};
 * once the held ones are gone an agent enrolls again.
 */
import assert from "node:assert/strict";
import { enroll, type Harness, startHarness } from "../controller/harness.ts";
import { waitFor } from "../support/wait_for.ts";
import { closed, silentPeers } from "./_hostile_peer.ts";

/** postern_grpc_handshakes_pending as /metrics shows it. */
async function pending(h: Harness): Promise<number> {
  const text = await (await h.admin("/metrics")).text();
  return Number(/^postern_grpc_handshakes_pending (\d+)$/m.exec(text)?.[1]);
}

Deno.test("connections over the unfinished handshake bound of the gRPC port are closed at once and counted in one warn", async () => {
  await using h = await startHarness({ grpcHandshakes: { timeoutMs: 60_000, maxPending: 8 } });
  const token = await h.token("connector");
  const port = h.controller.grpcPort;
  using held = silentPeers();
  const holding = await Promise.all(Array.from({ length: 8 }, () => held.open(port)));
  const stillOpen = holding.map((s) => {
    let open = true;
    s.once("end", () => open = false);
    s.once("close", () => open = false);
    return () => open;
  });
  using excess = silentPeers();
  // The excess never waits for the (one minute) timeout: it is closed while the held ones are open.
  const over = await Promise.all(Array.from({ length: 12 }, () => excess.open(port)));
  await Promise.all(over.map((s) => closed(s, 5_000)));
  assert.deepEqual(stillOpen.map((f) => f()), Array(8).fill(true));
  const warns = h.logs.filter((l) => l.includes("closed connections over the unfinished handshake limit"));
  assert.deepEqual(warns.length, 1, h.logs.join("\n"));
  assert.ok(warns[0]!.includes("limit=8"), warns[0]!);
  assert.deepEqual(
    h.controller.ctx.metrics.value("postern_grpc_handshakes_closed_total", { reason: "limit" }),
    12,
  );
  // The held connections leave; their slots are free for a real agent.
  assert.deepEqual(await pending(h), 8);
  for (const s of holding) s.destroy();
  await waitFor(
    "the listener to release the held handshakes",
    async () => await pending(h) === 0 || undefined,
    5_000,
    20,
  );
  const agent = await enroll(h, { token, id: "c1" });
  assert.ok(agent.certPem.includes("BEGIN CERTIFICATE"));
});
