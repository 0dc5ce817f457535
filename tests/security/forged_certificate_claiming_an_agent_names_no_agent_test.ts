/**
 * A caller presents a self-signed certificate that claims a real, enrolled connector's SPIFFE
 * ID (and one that claims the controller role with the connector's id) to Renew and to Connect.
 * Every refusal records the identity as claimed (`claimed_spiffe_id`), and no event names the
 * real agent as its `agent`: an operator filtering the audit trail by agent sees only what the
 * agent itself did.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { prepareController } from "../support/controller.ts";
import { waitFor } from "../support/wait_for.ts";
import { ControllerCalls, forgedSvid, refusalOf } from "./_controller_calls.ts";
import { makeTestDir } from "../support/paths.ts";

Deno.test("a forged certificate claiming a real agent's id produces no event naming that agent", async () => {
  const dir = await makeTestDir({ prefix: "postern-forged-claim-" });
  const c = await prepareController(dir);
  const controller = await c.start({ LOG_FORMAT: "json" });
  const calls = new ControllerCalls(c.grpcAddr, await Deno.readTextFile(c.caCert));
  try {
    const { body: token } = await c.admin("POST", "/api/admin/tokens", { role: "connector" });
    await calls.enroll({ token: token.token, id: "demo-connector" });

    const claims = [
      "spiffe://postern.internal/connector/demo-connector",
      "spiffe://postern.internal/controller/demo-connector",
    ];
    for (const claim of claims) {
      const forged = await forgedSvid(claim);
      const renewal = await refusalOf(calls.renew(forged));
      assert.ok(
        [status.UNAUTHENTICATED, status.PERMISSION_DENIED].includes(renewal.code),
        `renewal: ${JSON.stringify(renewal)}`,
      );
      const stream = await calls.connect(forged);
      assert.notEqual(stream.code, status.OK, `connect: ${JSON.stringify(stream)}`);
    }

    // The observable sign that every refusal was recorded: two renewal.refused events.
    const refused = await waitFor(
      "both renewal refusals to be recorded",
      async () => {
        const { body } = await c.admin("GET", "/api/admin/events?kind=renewal.refused");
        return body.events.length >= 2 ? body.events : undefined;
      },
      10_000,
      100,
      controller,
    );
    for (const e of refused) assert.equal(e.agent, undefined, JSON.stringify(e));
    assert.deepEqual(refused.map((e: { claimed_spiffe_id?: string }) => e.claimed_spiffe_id).sort(), claims);
    await controller.waitForLine(/control-plane stream refused.*claimed_spiffe_id/);

    const { body: mine } = await c.admin("GET", "/api/admin/events?agent=demo-connector");
    assert.deepEqual(mine.events.map((e: { kind: string }) => e.kind), ["connector.enrolled"]);
    const { body: all } = await c.admin("GET", "/api/admin/events?limit=1000");
    for (const e of all.events) {
      if (e.kind !== "connector.enrolled") assert.notEqual(e.agent, "demo-connector", JSON.stringify(e));
    }
    for (const line of controller.lines) {
      if (line.includes("refused")) assert.ok(!line.includes(`"agent":"demo-connector"`), line);
    }
  } finally {
    calls.close();
    await controller.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
