/**
 * A renewal records the new certificate on the agent and stores its `*.renewed` event in one
 * commit; a renewal refused as revoked stores neither.
 */
import { status } from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { recordCommits } from "../support/commits.ts";
import { enroll, expectGrpcError, renew, startHarness } from "./harness.ts";

Deno.test("Renew commits the agent's new certificate and its event at once; a revoked agent's renewal stores no event", async () => {
  await using h = await startHarness();
  const t1 = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  const commits = recordCommits(h.controller.ctx.store);
  await renew(h, t1);
  const renewed = (await (await h.admin("/api/admin/events?kind=tunneler.renewed")).json()).events;
  assert.deepEqual(renewed.map((e: { agent: string }) => e.agent), ["t1"]);
  const touching = commits.filter((keys) =>
    keys.some((k) => k === "agents/tunneler/t1" || k === `events/${renewed[0].id}`)
  );
  assert.deepEqual(touching, [["agents/tunneler/t1", `events/${renewed[0].id}`]]);

  assert.deepEqual((await h.admin("/api/admin/tunnelers/t1", { method: "DELETE" })).status, 200);
  await expectGrpcError(renew(h, t1), status.PERMISSION_DENIED, "identity revoked");
  const after = (await (await h.admin("/api/admin/events?kind=tunneler.renewed")).json()).events;
  assert.deepEqual(after.length, 1);
});
