/**
 * An agent enrolled through one controller renews through another: they share the registry and
 * the CA through etcd, and the renewal shows through the first controller's admin API.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { startHa } from "./_ha.ts";

etcdTest("an agent enrolled on one controller renews on the other", async () => {
  await using ha = await startHa(2);
  const enrolled = await ha.enroll(0, {
    token: await ha.token(0, "tunneler", "t1"),
    id: "t1",
    role: "tunneler",
  });
  const renewed = await ha.renew(1, enrolled, { id: "t1", role: "tunneler" });
  assert.deepEqual(renewed.svid.spiffeId.uri, "spiffe://postern.internal/tunneler/t1");
  assert.ok(renewed.svid.certPem !== enrolled.svid.certPem, "the renewal returned the old certificate");
  const seen = await ha.controllers[0]!.admin("GET", "/api/admin/tunnelers/t1");
  assert.deepEqual(seen.status, 200);
  assert.deepEqual(
    new Date(seen.body.cert_expires_at).getTime(),
    Math.floor(renewed.svid.notAfter.getTime() / 1000) * 1000,
  );
  const events = await ha.controllers[0]!.admin("GET", "/api/admin/events?agent=t1");
  const kinds = events.body.events.map((e: { kind: string }) => e.kind);
  assert.ok(kinds.includes("tunneler.renewed"), `events: ${kinds.join(", ")}`);
});
