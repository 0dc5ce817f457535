/**
 * One source sends 300 Enroll calls with invalid tokens, then, at once, 40 valid enrollments.
 * Every refusal is answered with its real status and counted by reason in
 * `postern_enrollment_refusals_total`, but only the source's burst is logged and recorded one by
 * one; the rest go into one summary line and a `refusals.suppressed` event. The valid
 * enrollments that follow from the same address all succeed, and quickly: the refusal limit
 * never touches a valid caller.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { prepareController } from "../support/controller.ts";
import { waitFor } from "../support/wait_for.ts";
import { ControllerCalls, refusalOf } from "./_controller_calls.ts";
import { makeTestDir } from "../support/paths.ts";

Deno.test("a refusal flood is counted and rate-limited, and valid enrollments from the same source stay fast", async () => {
  const dir = await makeTestDir({ prefix: "postern-refusal-flood-" });
  const c = await prepareController(dir);
  const controller = await c.start({ LOG_FORMAT: "json" });
  const calls = new ControllerCalls(c.grpcAddr, await Deno.readTextFile(c.caCert));
  try {
    const tokens: string[] = [];
    for (let i = 0; i < 40; i++) {
      tokens.push((await c.admin("POST", "/api/admin/tokens", { role: "tunneler" })).body.token);
    }

    const FLOOD = 300;
    const codes = await Promise.all(
      Array.from(
        { length: FLOOD },
        (_, i) =>
          refusalOf(
            calls.enroll({ token: `pt_0000000000000000_${"A".repeat(43)}`, role: "tunneler", id: `x${i}` }),
          )
            .then((r) => r.code),
      ),
    );
    assert.ok(codes.every((code) => code === status.PERMISSION_DENIED), JSON.stringify(codes));

    const started = performance.now();
    const svids = await Promise.all(
      tokens.map((token, i) => calls.enroll({ token, role: "tunneler", id: `t${i}`, privateIp: "" })),
    );
    const elapsed = performance.now() - started;
    assert.equal(svids.length, 40);
    assert.ok(elapsed < 10_000, `40 valid enrollments took ${Math.round(elapsed)} ms after the flood`);

    const metrics = await (await fetch(`${c.adminUrl}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`postern_enrollment_refusals_total\\{reason="invalid_token"\\} ${FLOOD}\\n`),
    );
    for (const reason of ["too_large", "bad_request", "already_enrolled"]) {
      assert.match(metrics, new RegExp(`postern_enrollment_refusals_total\\{reason="${reason}"\\} 0\\n`));
    }

    // The summary comes within its interval (10 s) and counts what was not logged one by one.
    const summary = await controller.waitForLine("refusals suppressed", 20_000);
    const logged = controller.lines.filter((l) =>
      l.includes(`"msg":"[1.2] enrollment refused"`) && l.includes(`"failure_mode":"1.2"`)
    ).length;
    assert.ok(logged >= 1 && logged <= 25, `${logged} refusals logged one by one`);
    assert.equal(JSON.parse(summary).count, FLOOD - logged);
    const { body } = await c.admin("GET", "/api/admin/events?kind=enrollment.refused&limit=1000");
    assert.equal(body.events.length, logged);
    const suppressed = await waitFor("the summary event", async () => {
      const { body } = await c.admin("GET", "/api/admin/events?kind=refusals.suppressed");
      return body.events[0];
    }, 5_000);
    assert.equal(suppressed.count, FLOOD - logged);
    assert.deepEqual(suppressed.sources, { "127.0.0.1": FLOOD - logged });
    assert.match(metrics, new RegExp(`postern_refusals_suppressed_total ${FLOOD - logged}\\n`));
  } finally {
    calls.close();
    await controller.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
