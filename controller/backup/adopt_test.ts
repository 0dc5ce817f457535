import { openKvStore } from "../store/kv_store.ts";
import { put } from "../store/store.ts";
import assert from "node:assert/strict";
import { createLogger } from "../../shared/log/logger.ts";
import { BACKDATE_MS } from "../../shared/pki/issue.ts";
import type { ControllerContext } from "../context.ts";
import { AgentStore } from "../registry/agents.ts";
import { EventLog } from "../registry/events.ts";
import { revokedKey } from "../registry/revoked.ts";
import { connectorRecord } from "../registry/testing.ts";
import { adoptAfterRestore, RESTORE_MARKER } from "./adopt.ts";

const TAKEN = 1_000_000;
const RESTORED = 2_000_000;

async function context(marker = true) {
  const kv = await openKvStore(":memory:");
  const lines: string[] = [];
  const ctx = {
    store: kv,
    agents: new AgentStore(kv),
    events: new EventLog(kv),
    log: createLogger({ write: (l) => lines.push(l) }),
  } as unknown as ControllerContext;
  if (marker) await put(kv, RESTORE_MARKER, { takenAt: TAKEN, restoredAt: RESTORED });
  const record = connectorRecord("c1", { certificates: [{ serial: "aa", notAfter: 9e12 }] });
  await put(kv, ["agents", "connector", "c1"], record);
  return { kv, ctx, record, lines };
}

/** A certificate issued at `issuedAt` (its notBefore is backdated as the issuer does). */
const cert = (serial: string, issuedAt: number) => ({
  serial,
  notBefore: new Date(issuedAt - BACKDATE_MS),
  notAfter: new Date(issuedAt + 3_600_000),
});

Deno.test("a certificate issued between backup and restore is adopted onto the live list, once, with an event", async () => {
  const { kv, ctx, record, lines } = await context();
  const adopted = await adoptAfterRestore(ctx, record, cert("bb", TAKEN + 10));
  assert.deepEqual(adopted?.certificates.map((c) => c.serial), ["bb", "aa"]);
  assert.deepEqual((await ctx.agents.get("connector", "c1"))?.certificates.map((c) => c.serial), [
    "bb",
    "aa",
  ]);
  assert.deepEqual((await ctx.events.list({ limit: 10 })).map((e) => e.kind), [
    "connector.certificate_adopted",
  ]);
  assert.deepEqual(
    lines.some((l) => l.includes("adopted a certificate issued after the restored backup")),
    true,
  );
  await kv.close();
});

Deno.test("no adoption: no restore marker, issued before the backup or after the restore, revoked serial, revoked id", async () => {
  {
    const { kv, ctx, record } = await context(false);
    assert.deepEqual(await adoptAfterRestore(ctx, record, cert("bb", TAKEN + 10)), undefined);
    await kv.close();
  }
  const { kv, ctx, record } = await context();
  // Issued before the backup and not in it: superseded or revoked then, never adopted.
  assert.deepEqual(await adoptAfterRestore(ctx, record, cert("bb", TAKEN - 1)), undefined);
  // Issued after the restore: this controller issued it and recorded it; an unknown one is forged or stale.
  assert.deepEqual(await adoptAfterRestore(ctx, record, cert("cc", RESTORED + 1)), undefined);
  await put(kv, revokedKey("dd"), { serial: "dd", notAfter: 9e12 });
  assert.deepEqual(await adoptAfterRestore(ctx, record, cert("dd", TAKEN + 10)), undefined);
  assert.deepEqual(
    await adoptAfterRestore(ctx, { ...record, revokedAt: 5 }, cert("ee", TAKEN + 10)),
    undefined,
  );
  await put(kv, ["agents", "connector", "c1"], { ...record, revokedAt: 5 });
  assert.deepEqual(
    await adoptAfterRestore(ctx, record, cert("ff", TAKEN + 10)),
    undefined,
    "revoked in the store",
  );
  assert.deepEqual((await ctx.agents.get("connector", "c1"))?.certificates.map((c) => c.serial), ["aa"]);
  await kv.close();
});
