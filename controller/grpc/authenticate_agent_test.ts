import { status } from "@grpc/grpc-js";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { enroll, startHarness } from "../../tests/controller/harness.ts";
import assert from "node:assert/strict";
import { type AgentRefusalReason, authenticateAgent, refusalStatus } from "./authenticate_agent.ts";

const der = (pem: string) => new Uint8Array(parseCertificate(pem).rawData);

Deno.test("authenticateAgent() answers the agent or a typed refusal for each way a certificate fails", async () => {
  // t2 is issued on a clock 2 s behind with a 1 s lifetime: expired on arrival, no wait.
  let skew = 0;
  await using h = await startHarness({ tunnelerCertTtlMs: 1000 }, { now: () => Date.now() + skew });
  const ctx = h.controller.ctx;
  const c1 = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const t1 = await enroll(h, { token: await h.token("tunneler"), id: "t1", role: "tunneler" });
  const t2Token = await h.token("tunneler");
  skew = -2_000;
  const t2 = await enroll(h, { token: t2Token, id: "t2", role: "tunneler" });
  skew = 0;
  const stranger = await makeTestPki();
  const foreign = await stranger.issue("connector", "c1");
  // Expired too: still untrusted (the chain decides first), and the id it claims is not named.
  const foreignExpired = await stranger.issue("tunneler", "t1", {
    ttlMs: 1000,
    now: new Date(Date.now() - 5000),
  });
  const reason = async (pem: string | undefined, roles: ("connector" | "tunneler")[], grace?: number) => {
    const a = await authenticateAgent(ctx, pem === undefined ? undefined : der(pem), {
      roles,
      ...(grace === undefined ? {} : { allowExpiredWithin: grace }),
    });
    return a.ok ? `ok ${a.agent.role}/${a.agent.id} ${a.agent.serial}` : a.refusal.reason;
  };
  const serial = parseCertificate(c1.certPem).serialNumber.toLowerCase();
  assert.deepEqual(await reason(c1.certPem, ["connector"]), `ok connector/c1 ${serial}`);
  assert.deepEqual(await reason(undefined, ["connector"]), "no_cert");
  assert.deepEqual(await reason(foreign.certPem, ["connector"]), "untrusted");
  assert.deepEqual(await reason(foreignExpired.certPem, ["tunneler"], 10), "untrusted");
  const named = await authenticateAgent(ctx, der(foreignExpired.certPem), { roles: ["tunneler"] });
  assert.deepEqual(named.ok ? "ok" : named.refusal.agent, undefined);
  assert.deepEqual(await reason(t1.certPem, ["connector"]), "role");
  assert.deepEqual(await reason(t2.certPem, ["connector"], 10), "role");
  assert.deepEqual(await reason(t2.certPem, ["tunneler"]), "expired");
  assert.deepEqual(await reason(t2.certPem, ["tunneler"], 10), "expired_beyond_grace");
  assert.deepEqual((await reason(t2.certPem, ["tunneler"], 60_000)).startsWith("ok tunneler/t2"), true);
  assert.deepEqual((await h.admin("/api/admin/connectors/c1", { method: "DELETE" })).status, 200);
  assert.deepEqual(await reason(c1.certPem, ["connector"]), "revoked");
});

Deno.test("refusalStatus() maps each reason to its gRPC status", () => {
  const table: Record<AgentRefusalReason, status> = {
    no_cert: status.UNAUTHENTICATED,
    untrusted: status.UNAUTHENTICATED,
    expired: status.UNAUTHENTICATED,
    expired_beyond_grace: status.FAILED_PRECONDITION,
    role: status.PERMISSION_DENIED,
    revoked: status.PERMISSION_DENIED,
  };
  for (const [r, code] of Object.entries(table)) {
    assert.deepEqual(refusalStatus(r as AgentRefusalReason), code);
  }
});
