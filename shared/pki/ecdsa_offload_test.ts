import assert from "node:assert/strict";
import { createCa } from "./ca.ts";
import { createCsr, readCsr } from "./csr.ts";
import { issueSvid } from "./issue.ts";
import { generateKeyPair } from "./keys.ts";
import { TrustBundle } from "./bundle.ts";
import { verifySvid } from "./verify.ts";
import {
  ecdsaSign,
  ecdsaVerify,
  ecdsaWorkerRunning,
  startEcdsaWorker,
  stopEcdsaWorker,
} from "./ecdsa_offload.ts";
import { SIGNING_ALG } from "./_crypto.ts";
import { forgedCsrPem } from "./_test_util.ts";

const { ca, certPem: caPem } = await createCa();

Deno.test("issueSvid() and readCsr() with the ECDSA worker issue what verifies and refuse a forged CSR", async () => {
  startEcdsaWorker();
  try {
    assert.equal(ecdsaWorkerRunning(), true);
    const issued = await Promise.all(Array.from({ length: 8 }, async (_, i) =>
      issueSvid(ca, {
        csrPem: await createCsr(await generateKeyPair()),
        spiffeId: `spiffe://postern.internal/tunneler/w${i}`,
        ttlMs: 60_000,
      })));
    for (const [i, svid] of issued.entries()) {
      const peer = await verifySvid(svid.certPem, TrustBundle.fromPem(caPem), {
        trustDomain: "postern.internal",
      });
      assert.equal(peer.spiffeId.uri, `spiffe://postern.internal/tunneler/w${i}`);
    }
    const forged = await forgedCsrPem();
    await assert.rejects(() => readCsr(forged), {
      name: "TypeError",
      message: "invalid certificate request: signature does not verify",
    });
  } finally {
    stopEcdsaWorker();
  }
});

Deno.test("ecdsaSign() signs on the worker what WebCrypto verifies, and on this thread once it stopped", async () => {
  const keys = await generateKeyPair();
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const data = new TextEncoder().encode("to be signed");
  startEcdsaWorker();
  let onWorker: Uint8Array<ArrayBuffer>;
  try {
    onWorker = await ecdsaSign(keys.privateKey, data);
    assert.equal(await ecdsaVerify(keys.publicKey, spki, "SHA-256", onWorker, data), true);
    const other = new TextEncoder().encode("something else");
    assert.equal(await ecdsaVerify(keys.publicKey, spki, "SHA-256", onWorker, other), false);
  } finally {
    stopEcdsaWorker();
  }
  assert.equal(ecdsaWorkerRunning(), false);
  assert.equal(await crypto.subtle.verify(SIGNING_ALG, keys.publicKey, onWorker, data), true);
  const here = await ecdsaSign(keys.privateKey, data);
  assert.equal(await ecdsaVerify(keys.publicKey, spki, "SHA-256", here, data), true);
});
