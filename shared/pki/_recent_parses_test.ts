import assert from "node:assert/strict";
import { RecentParses } from "./_recent_parses.ts";
import { makeTestPki } from "./testing.ts";
import { parseCertificate, PeerVerificationError, verifySvid } from "./verify.ts";
import { spiffeIdOf } from "./san.ts";

async function ders(n: number): Promise<Uint8Array[]> {
  const pki = await makeTestPki();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    out.push(new Uint8Array((await pki.issue("connector", `c${i}`)).certificate.rawData));
  }
  return out;
}

Deno.test("parseCertificate() gives the same parsed certificate for the same DER met again, and its own to other bytes", async () => {
  const [a, b] = await ders(2);
  const first = parseCertificate(a!);
  assert.equal(parseCertificate(new Uint8Array(a!)), first, "the same bytes in another buffer: parsed once");
  assert.notEqual(parseCertificate(b!), first);
  assert.equal(spiffeIdOf(parseCertificate(b!)).uri, "spiffe://postern.internal/connector/c1");
});

Deno.test("RecentParses keeps the most recently used, at most its capacity, and copies the caller's bytes", async () => {
  const [a, b, c] = await ders(3);
  const recent = new RecentParses(2);
  const pa = recent.parse(a!);
  const pb = recent.parse(b!);
  assert.equal(recent.parse(a!), pa, "a used again: b is now the least recent");
  recent.parse(c!);
  assert.equal(recent.size, 2);
  assert.equal(recent.parse(a!), pa, "a kept");
  assert.notEqual(recent.parse(b!), pb, "b was dropped and parsed anew");

  const buffer = new Uint8Array(a!);
  const fresh = new RecentParses(2).parse(buffer);
  buffer.fill(0);
  assert.deepEqual(new Uint8Array(fresh.rawData), a, "the parsed certificate's raw bytes are its own");
});

Deno.test("RecentParses keeps nothing of bytes that do not parse", () => {
  const recent = new RecentParses(2);
  assert.throws(() => recent.parse(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])));
  assert.equal(recent.size, 0);
});

Deno.test("a certificate one byte off a verified one gets its own parse and is refused: the shared parse lends it nothing", async () => {
  const pki = await makeTestPki();
  const der = new Uint8Array((await pki.issue("connector", "c1")).certificate.rawData);
  const opts = { trustDomain: "postern.internal" };
  assert.equal(
    (await verifySvid(der, pki.bundle, opts)).spiffeId.uri,
    "spiffe://postern.internal/connector/c1",
  );
  const forged = der.slice();
  forged[forged.length - 1] = forged.at(-1)! ^ 0x01; // the signature's last byte
  assert.notEqual(parseCertificate(forged), parseCertificate(der));
  await assert.rejects(
    () => verifySvid(forged, pki.bundle, opts),
    (e) => e instanceof PeerVerificationError && e.reason === "unknown_authority",
  );
  assert.equal(
    (await verifySvid(der, pki.bundle, opts)).spiffeId.uri,
    "spiffe://postern.internal/connector/c1",
  );
});
