/**
 * An unauthenticated caller sends Enroll requests whose fields are 40 KB each (every field in
 * turn), and one whose CSR is 3 MB. The 40 KB fields are refused as too long, naming the field
 * and never echoing it; the 3 MB message is refused by the gRPC layer before any handler. No
 * line of the controller's log is longer than a few hundred characters, the audit trail stays
 * small and KV does not grow by the size of what was sent.
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { prepareController } from "../support/controller.ts";
import { ControllerCalls, refusalOf } from "./_controller_calls.ts";
import { makeTestDir } from "../support/paths.ts";

async function dirSize(path: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(path)) {
    const p = `${path}/${e.name}`;
    total += e.isDirectory ? await dirSize(p) : (await Deno.stat(p)).size;
  }
  return total;
}

Deno.test("oversized Enroll fields never reach the log in full and do not grow KV", async () => {
  const dir = await makeTestDir({ prefix: "postern-oversized-enroll-" });
  const c = await prepareController(dir);
  const controller = await c.start({ LOG_FORMAT: "json" });
  const calls = new ControllerCalls(c.grpcAddr, await Deno.readTextFile(c.caCert));
  try {
    const big = "A".repeat(40_000);
    const kvBefore = await dirSize(`${dir}/controller`);
    const fields = [
      ["token", { token: big }],
      ["role", { role: big }],
      ["id", { id: big }],
      ["csr_pem", { csrPem: big }],
      ["private_ip", { privateIp: big }],
      ["version", { version: big }],
    ] as const;
    const refusals: Array<[string, { code: number; details: string }]> = [];
    for (let round = 0; round < 10; round++) {
      for (const [name, req] of fields) {
        refusals.push([name, await refusalOf(calls.enroll({ token: "pt_x", ...req }))]);
      }
    }
    const huge = await refusalOf(calls.enroll({ token: "pt_x", csrPem: "B".repeat(3_000_000) }));

    // The observable sign that every line before it has been read: the log line of an admin call.
    await c.admin("POST", "/api/admin/tokens", { role: "connector" });
    await controller.waitForLine("enrollment token created");

    const longest = Math.max(...controller.lines.map((l) => l.length));
    assert.ok(longest < 1500, `a log line of ${longest} characters`);
    assert.ok(!controller.lines.some((l) => l.includes("A".repeat(300))), "a field reached the log");
    assert.ok(!controller.lines.some((l) => l.includes("B".repeat(300))), "the CSR reached the log");

    const { body } = await c.admin("GET", "/api/admin/events?kind=enrollment.refused&limit=1000");
    const eventBytes = JSON.stringify(body).length;
    assert.ok(eventBytes < 60_000, `the refusal events take ${eventBytes} bytes`);
    assert.ok(!JSON.stringify(body).includes("A".repeat(300)), "a field reached an event");
    const metrics = await (await fetch(`${c.adminUrl}/metrics`)).text();
    const grown = (await dirSize(`${dir}/controller`)) - kvBefore;
    assert.ok(grown < 1_000_000, `KV grew by ${grown} bytes after 2.4 MB of fields`);

    for (const [name, r] of refusals) {
      assert.equal(r.code, status.INVALID_ARGUMENT, `${name}: ${r.details}`);
      assert.match(
        r.details,
        new RegExp(`^enrollment field "${name}" is too long \\(40000 characters, at most \\d+\\)$`),
      );
    }
    assert.equal(huge.code, status.RESOURCE_EXHAUSTED, huge.details);
    assert.match(metrics, /postern_enrollment_refusals_total\{reason="too_large"\} 60\n/);
  } finally {
    calls.close();
    await controller.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
