/**
 * Attack surface: a renewal response whose bundle does not hold the CA that issued the new
 * certificate. Renewals used to add every CA a response named to what the agent trusted, so such a
 * response made the agent trust a CA that signed nothing it holds, and never let an old one go.
 * The renewed bundle now replaces the old one, so it must contain the issuing CA: otherwise the
 * whole renewal is refused and the agent keeps its certificate and bundle.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";
import { prepareTunneler, startRenewalStub } from "../support/stub_controller.ts";

Deno.test("a renewal whose bundle lacks the issuing CA is refused; certificate and bundle are kept", async () => {
  await using dir = await tempDir();
  // The "controller" is trusted (CA A) and signs the renewal with A, but names only CA B as the bundle.
  const a = await makeTestPki();
  const b = await makeTestPki();
  const stub = await startRenewalStub({ tls: a, signer: a.ca, bundlePem: [b.caPem] });
  const { store, env } = await prepareTunneler(dir.path, a, stub.port, 3_000);
  const certBefore = (await store.load()).svid.certPem;
  const tunneler = startProgram("tunneler", { args: ["run"], env });
  try {
    const line = await tunneler.waitForLine("certificate renewal failed", 15_000);
    assert.ok(
      line.includes(`renewal refused: the controller's trust bundle does not contain CA ${a.ca.fingerprint}`),
      line,
    );
    assert.ok(line.includes("keeping the current certificate"), line);
    assert.ok(
      !tunneler.lines.some((l) => l.includes("certificate renewed") || l.includes("trust bundle updated")),
    );
    assert.equal((await store.load()).svid.certPem, certBefore);
    assert.deepEqual((await store.load()).bundle.fingerprints(), a.bundle.fingerprints());
  } finally {
    await tunneler.stop();
    await stub.close();
  }
});
