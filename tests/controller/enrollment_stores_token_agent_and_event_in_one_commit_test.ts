/**
 * An enrollment spends its token, writes the agent and stores its `*.enrolled` event in one
 * commit: the audit record exists exactly when the enrollment does, and the store sees one write
 * per enrollment (the figure of `bench/enrollment.ts` depends on it).
 */
import assert from "node:assert/strict";
import { recordCommits } from "../support/commits.ts";
import { enroll, startHarness } from "./harness.ts";

Deno.test("Enroll commits the spent token, the agent and its event at once; a refused racer stores no event", async () => {
  await using h = await startHarness();
  const commits = recordCommits(h.controller.ctx.store);
  const token = await h.token("tunneler");
  const tokenKey = `tokens/${token.split("_")[1]}`;
  commits.length = 0;
  // Ten callers race for the one token: one enrolls, nine are refused.
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => enroll(h, { token, id: `t${i}`, role: "tunneler" })),
  );
  assert.deepEqual(results.filter((r) => r.status === "fulfilled").length, 1);
  const winner = `t${results.findIndex((r) => r.status === "fulfilled")}`;

  const events = (await (await h.admin("/api/admin/events?kind=tunneler.enrolled")).json()).events;
  assert.deepEqual(events.map((e: { agent: string }) => e.agent), [winner]);
  // Every commit that touched the token, the agent or the event: one, holding all three.
  const touching = commits.filter((keys) =>
    keys.some((k) => k === tokenKey || k.startsWith("agents/tunneler/") || k === `events/${events[0].id}`)
  );
  assert.deepEqual(touching, [[tokenKey, `agents/tunneler/${winner}`, `events/${events[0].id}`]]);
});
