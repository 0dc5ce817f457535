/**
 * Failure: an agent whose newest certificates were lost (a crash between Renew and saving, a
 * restored backup) holds an older, still valid certificate of its enrollment, and is locked out
 * because the controller remembered only the latest few serials. Every live certificate of the
 * current enrollment renews.
 */
import assert from "node:assert/strict";
import { enroll, renew, startHarness } from "../controller/harness.ts";

Deno.test("a still-valid older certificate of the current enrollment renews after several newer ones were issued", async () => {
  await using h = await startHarness();
  const first = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  let latest = first;
  for (let i = 0; i < 4; i++) latest = await renew(h, latest);
  const fromFirst = await renew(h, first);
  assert.equal(fromFirst.svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
  assert.equal((await renew(h, latest)).svid.spiffeId, "spiffe://postern.internal/tunneler/t1");
});
