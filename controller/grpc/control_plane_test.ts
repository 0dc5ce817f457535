import assert from "node:assert/strict";
import { fingerprintsOf, trafficOf } from "./control_plane.ts";

Deno.test("fingerprintsOf() keeps at most 16 distinct well-formed SHA-256 fingerprints a peer reported", () => {
  const fp = (i: number) => i.toString(16).padStart(64, "0");
  assert.deepEqual(fingerprintsOf([fp(1).toUpperCase(), fp(1), "zz".repeat(32), fp(2) + "00", "", fp(3)]), [
    fp(1),
    fp(3),
  ]);
  assert.deepEqual(
    fingerprintsOf(Array.from({ length: 1000 }, (_, i) => fp(i))),
    [...Array(16).keys()].map(fp),
  );
});

Deno.test("trafficOf() keeps only the non-negative safe integers a peer reported", () => {
  assert.deepEqual(trafficOf(2, 1024, 0), { activeSessions: 2, bytesIn: 1024, bytesOut: 0 });
  assert.deepEqual(trafficOf(-1, 1.5, Number.MAX_SAFE_INTEGER + 2), {});
  assert.deepEqual(trafficOf(NaN, "7", 9), { bytesOut: 9 });
});
