import assert from "node:assert/strict";
import { canonicalSerial, RevokedSerials } from "./revoked_serials.ts";

Deno.test("RevokedSerials.refuse() refuses a serial until its notAfter, then forgets it", () => {
  const r = new RevokedSerials();
  assert.deepEqual(r.add([{ serial: "0AbC", notAfterUnixMs: 5000 }], 1000), 1);
  assert.deepEqual(r.refuse("abc", 1000), true);
  assert.deepEqual(r.refuse("00ABC", 4999), true);
  assert.deepEqual(r.refuse("abd", 1000), false);
  assert.deepEqual(r.refuse("abc", 5000), false);
  assert.deepEqual(r.size, 0);
});

Deno.test("RevokedSerials.add() only adds: a later list without a serial keeps it, a longer notAfter wins", () => {
  const r = new RevokedSerials();
  r.add([{ serial: "aa", notAfterUnixMs: 3000 }, { serial: "bb", notAfterUnixMs: 9000 }], 0);
  assert.deepEqual(
    r.add([{ serial: "bb", notAfterUnixMs: 2000 }, { serial: "cc", notAfterUnixMs: 9000 }], 10),
    1,
  );
  assert.deepEqual([r.refuse("aa", 20), r.refuse("bb", 8000), r.refuse("cc", 20)], [true, true, true]);
  assert.deepEqual(r.size, 2); // aa expired at 3000 and was swept
});

Deno.test("RevokedSerials.add() skips expired and malformed entries", () => {
  const r = new RevokedSerials();
  assert.deepEqual(
    r.add([
      { serial: "aa", notAfterUnixMs: 10 },
      { serial: "not hex", notAfterUnixMs: 9000 },
      { serial: "", notAfterUnixMs: 9000 },
      { serial: "bb", notAfterUnixMs: Number.NaN },
    ], 10),
    0,
  );
  assert.deepEqual(r.size, 0);
});

Deno.test("canonicalSerial() lower-cases and drops leading zeros", () => {
  assert.deepEqual([canonicalSerial("00FF01"), canonicalSerial("0"), canonicalSerial("ab")], [
    "ff01",
    "0",
    "ab",
  ]);
});
