/**
 * An agent killed (SIGKILL) while it saves its identity: whenever the kill lands, the state
 * directory holds one complete identity, the old or the new, never a key of one and a
 * certificate of the other (which would need a new enrollment token). Real processes
 * (tests/agents/_save_loop.ts) save two identities in turn, plus trust-bundle saves, and are
 * killed after a seeded random delay; half the rounds start from the four-file layout of earlier
 * versions, so the migration is interrupted too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IdentityStore, type StoredIdentity } from "../../shared/agent/identity_store.ts";
import { makeTestPki, type TestPki } from "../../shared/pki/testing.ts";
import { startDeno } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";

const ROUNDS = 16;
const MAX_DELAY_MS = 150;

/** mulberry32: the same delays on every run, so a failure can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function identity(pki: TestPki): Promise<StoredIdentity> {
  const svid = await pki.issue("connector", "c1", { ipSans: ["10.0.0.5"] });
  const meta = {
    spiffe_id: svid.spiffeId.uri,
    role: "connector" as const,
    id: "c1",
    trust_domain: "postern.internal",
    enrolled_at: new Date().toISOString(),
  };
  return { svid, bundle: pki.bundle, meta };
}

async function writeLegacy(dir: string, a: StoredIdentity): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { mode: 0o700 });
  await Deno.writeTextFile(join(dir, "key.pem"), a.svid.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(join(dir, "cert.pem"), a.svid.certPem);
  await Deno.writeTextFile(join(dir, "bundle.pem"), a.bundle.toPem());
  await Deno.writeTextFile(join(dir, "identity.json"), JSON.stringify(a.meta));
}

Deno.test("an agent killed at any point of saving its identity leaves one complete identity, old or new", async () => {
  await using tmp = await tempDir();
  const [pkiA, pkiB] = [await makeTestPki(), await makeTestPki()];
  const ids = [await identity(pkiA), await identity(pkiB)];
  const file = join(tmp.path, "identities.json");
  await Deno.writeTextFile(
    file,
    JSON.stringify(ids.map((i) => ({
      cert_pem: i.svid.certPem,
      key_pem: i.svid.keyPem,
      bundle_pem: i.bundle.toPem(),
      meta: i.meta,
    }))),
  );
  const dir = join(tmp.path, "state");
  const random = seeded(0x8a9e);
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) await writeLegacy(dir, ids[0]!);
    const loop = startDeno(["run", "-A", "tests/agents/_save_loop.ts", dir, file]);
    // The delay counts from the start of the first save (so the kill may interrupt the migration
    // from the old layout) or, every other pair of rounds, from its end (saves under way).
    await loop.waitForLine(round % 4 < 2 ? "looping" : "saved 0", 30_000);
    const delay = Math.floor(random() * MAX_DELAY_MS);
    await new Promise((r) => setTimeout(r, delay));
    assert.deepEqual(await loop.stop("SIGKILL"), 137, loop.lines.join("\n"));

    const loaded = await new IdentityStore(dir).load().catch((e: Error) => {
      throw new Error(`round ${round} (killed after ${delay} ms): ${e.message}`);
    });
    const which = ids.findIndex((i) => i.svid.certPem === loaded.svid.certPem);
    assert.ok(which >= 0, `round ${round}: a certificate that was never saved`);
    assert.deepEqual(
      loaded.svid.keyPem,
      ids[which]!.svid.keyPem,
      `round ${round}: key of the other identity`,
    );
    assert.deepEqual(loaded.meta, ids[which]!.meta);
    assert.ok(
      ids.some((i) => i.bundle.toPem() === loaded.bundle.toPem()),
      `round ${round}: a trust bundle that was never saved`,
    );
  }
});
