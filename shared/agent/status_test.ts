import assert from "node:assert/strict";
import { IdentityStore } from "./identity_store.ts";
import { formatStatus, type RuntimeStatus, statusReport, writeStatus } from "./status.ts";

const runtime = (extra: Partial<RuntimeStatus>): RuntimeStatus => ({
  pid: 1,
  updated_at: "2026-01-01T00:10:00.000Z",
  control_plane: "disconnected: No connection established",
  reconnects: 0,
  controller: "c1.internal:8443",
  certificate_not_after: "2026-01-01T01:00:00.000Z",
  sessions: 0,
  bytes_in: 0,
  bytes_out: 0,
  ...extra,
});

Deno.test("status reports since when no controller answers and the outage budget left, and nothing of it while one answers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new IdentityStore(dir);
    const now = Date.parse("2026-01-01T00:10:01Z");
    await writeStatus(dir, runtime({ controller_unreachable_since: "2026-01-01T00:05:01.000Z" }));
    const down = await statusReport(store, now);
    assert.deepEqual(down.outage, {
      controller_unreachable_since: "2026-01-01T00:05:01.000Z",
      unreachable_for_s: 300,
      certificate_not_after: "2026-01-01T01:00:00.000Z",
      budget_left_s: 2999,
    });
    const line = formatStatus(down).split("\n").find((l) => l.startsWith("controller:"));
    assert.deepEqual(
      line,
      "controller:      unreachable since 2026-01-01T00:05:01.000Z (300 s); outage budget 2999 s left (the certificate expires at 2026-01-01T01:00:00.000Z)",
    );
    await writeStatus(dir, runtime({}));
    const up = await statusReport(store, now);
    assert.deepEqual(up.outage, undefined);
    assert.ok(formatStatus(up).includes("controller:      c1.internal:8443 (in use)"), formatStatus(up));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
