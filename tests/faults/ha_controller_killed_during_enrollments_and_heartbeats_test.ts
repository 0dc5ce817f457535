/**
 * Fault, real processes on a three-member etcd and two controllers: controller 0 is killed
 * (SIGKILL) while enrollments run through it and agents stream heartbeats to it. No token is lost
 * or spent twice (one `tunneler.enrolled` event per token, every agent in the registry), the events
 * written before the kill are still listed, the connector streams to controller 1 within two
 * backoff caps (60 s; it takes well under one) without a new token, it and its tunneler (whose
 * heartbeats it carries) are ONLINE there,
 * the tunnel carries bytes throughout, and controller 0 started again serves the same registry.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTripText } from "../agents/_fixture.ts";
import { startHaAgents, streamsTo, waitForAgentsOnline } from "./ha_agents.ts";

/** Two caps of the agents' reconnect backoff (shared/agent/backoff.ts: 30 s). */
const TWO_BACKOFF_CAPS_MS = 60_000;
const ENROLLMENTS = 12;

etcdTest(
  "kill -9 a controller during enrollments and heartbeats: no token lost or spent twice, every agent back on the other",
  async () => {
    await using rig = await startHaAgents();
    const { ha, agents } = rig;
    const [c0, c1] = [ha.controllers[0]!, ha.controllers[1]!];
    assert.deepEqual(await roundTripText(agents.fwdPort, "before"), "beforebye");
    const eventsBefore = new Set(
      (await c1.admin("GET", "/api/admin/events?limit=1000")).body.events.map((e: { id: string }) => e.id),
    );
    assert.ok(eventsBefore.size >= 3, `events before the kill: ${eventsBefore.size}`);

    // Tokens made through the survivor; enrollments through controller 0 until it dies.
    const tokens: string[] = [];
    for (let i = 0; i < ENROLLMENTS; i++) tokens.push(await ha.token(1, "tunneler", `e${i}`));
    const outcome: ("ok" | Error)[] = [];
    let killedAt = 0;
    const enrolling = (async () => {
      for (let i = 0; i < ENROLLMENTS; i++) {
        outcome[i] = await ha.enroll(0, { token: tokens[i]!, id: `e${i}`, role: "tunneler" }).then(
          () => "ok" as const,
          (e: Error) => e,
        );
      }
    })();
    await waitFor(
      "three enrollments through controller 0",
      () => Promise.resolve(outcome.filter((o) => o === "ok").length >= 3 || undefined),
      30_000,
      20,
    );
    killedAt = Date.now();
    assert.deepEqual(await c0.process.stop("SIGKILL"), 137);
    await enrolling;
    assert.deepEqual(await roundTripText(agents.fwdPort, "while dead"), "while deadbye");

    // The connector streams to controller 1 within two backoff caps (the tunneler's heartbeats go
    // through the connector), each on its first token.
    await waitFor(
      "the connector's stream to the surviving controller",
      () => Promise.resolve(streamsTo(agents.connector, c1.grpcAddr) || undefined),
      TWO_BACKOFF_CAPS_MS,
      50,
      agents.connector,
    );
    const movedMs = Date.now() - killedAt;
    for (const p of [agents.connector, agents.tunneler]) {
      assert.deepEqual(
        p.lines.filter((l) => l.includes("enrolling")).length,
        1,
        "enrolled once, at the start",
      );
    }
    assert.ok(movedMs < TWO_BACKOFF_CAPS_MS, `moved after ${movedMs} ms`);
    console.error(`agents streaming to the other controller ${movedMs} ms after the kill`);
    await waitForAgentsOnline(agents, c1, "c1 and t1 ONLINE on the survivor", 30_000);

    // The enrollments that failed with the kill go to the survivor with the same token: each
    // succeeds, unless controller 0 committed it before dying (then its token is spent, once).
    const failed = outcome.flatMap((o, i) => o === "ok" ? [] : [i]);
    assert.ok(failed.length > 0, "the kill came after every enrollment: nothing was interrupted");
    for (const i of failed) {
      await ha.enroll(1, { token: tokens[i]!, id: `e${i}`, role: "tunneler" }).catch(async (e: Error) => {
        const r = await c1.admin("GET", `/api/admin/tunnelers/e${i}`);
        assert.deepEqual(r.status, 200, `e${i} refused again (${e.message}) yet not enrolled`);
      });
    }
    const events = (await c1.admin("GET", "/api/admin/events?limit=1000")).body.events as {
      id: string;
      kind: string;
      token_id?: string;
      agent?: string;
    }[];
    const lost = [...eventsBefore].filter((id) => !events.some((e) => e.id === id));
    assert.deepEqual(lost, [], "every event written before the kill is still listed");
    const perAgent = new Map<string, number>();
    for (const e of events) {
      if (e.kind === "tunneler.enrolled" && e.agent?.startsWith("e")) {
        perAgent.set(e.agent, (perAgent.get(e.agent) ?? 0) + 1);
      }
    }
    const tokenIds = events.filter((e) => e.kind === "tunneler.enrolled").map((e) => e.token_id);
    assert.deepEqual(new Set(tokenIds).size, tokenIds.length, "a token spent twice");
    for (let i = 0; i < ENROLLMENTS; i++) {
      assert.deepEqual((await c1.admin("GET", `/api/admin/tunnelers/e${i}`)).status, 200, `e${i} lost`);
      assert.ok((perAgent.get(`e${i}`) ?? 0) <= 1, `e${i} enrolled ${perAgent.get(`e${i}`)} times`);
    }

    // Controller 0 started again on the same store serves the same registry and takes writes.
    c0.process = await c0.start();
    const ids = async (c: typeof c0) =>
      ((await c.admin("GET", "/api/admin/tunnelers")).body as { id: string }[]).map((a) => a.id).sort();
    assert.deepEqual(await ids(c0), await ids(c1));
    const again = await ha.enroll(0, {
      token: await ha.token(0, "tunneler", "after"),
      id: "after",
      role: "tunneler",
    });
    assert.deepEqual(again.svid.spiffeId.uri, "spiffe://postern.internal/tunneler/after");
    for (const p of [agents.connector, agents.tunneler]) {
      assert.deepEqual(await Promise.race([p.exited, Promise.resolve("running")]), "running");
    }
    assert.deepEqual(await roundTripText(agents.fwdPort, "after"), "afterbye");
  },
);
