import assert from "node:assert/strict";
import { makeTestPki } from "../pki/testing.ts";
import { createLogger } from "../log/logger.ts";
import { startRenewalStub } from "../../tests/support/stub_controller.ts";
import { freePort } from "../../tests/support/ports.ts";
import { AgentCredentials } from "./credentials.ts";
import { AgentState } from "./agent_state.ts";
import { renewAtAnyController } from "./controllers.ts";
import { ControllerUnreachableError } from "./enroll.ts";

const expected = { trustDomain: "postern.internal", role: "tunneler" as const, id: "t1" };

Deno.test("renewAtAnyController() renews at the second controller when the first is dead; that one becomes current", async () => {
  const pki = await makeTestPki();
  const stub = await startRenewalStub({ tls: pki, signer: pki.ca, bundlePem: [pki.caPem] });
  try {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => 0 });
    const dead = `127.0.0.1:${freePort()}`;
    const live = `127.0.0.1:${stub.port}`;
    const state = new AgentState([dead, live]);
    state.controllerLost(); // an earlier outage ends with the renewal
    const creds = new AgentCredentials(await pki.issue("tunneler", "t1"), pki.bundle);
    const { svid } = await renewAtAnyController(state, creds, expected, log);
    assert.deepEqual(svid.spiffeId.uri, "spiffe://postern.internal/tunneler/t1");
    assert.deepEqual(stub.renewals(), 1);
    assert.deepEqual(state.controllers.current, live);
    assert.deepEqual(state.controllerUnreachableSince, undefined);
    const moved = lines.filter((l) => l.includes("renewal failed at one controller; trying the next"));
    assert.deepEqual(moved.length, 1, lines.join("\n"));
    assert.ok(moved[0]!.includes(`controller=${dead}`), moved[0]!);
    // The next renewal goes to the one that answered first: no second failed attempt at the dead one.
    await renewAtAnyController(state, creds, expected, log);
    assert.deepEqual(stub.renewals(), 2);
    assert.deepEqual(lines.filter((l) => l.includes("trying the next")).length, 1);
  } finally {
    await stub.close();
  }
});

Deno.test("renewAtAnyController() with no controller answering throws ControllerUnreachableError and starts the outage clock once", async () => {
  const pki = await makeTestPki();
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const state = new AgentState([`127.0.0.1:${freePort()}`, `127.0.0.1:${freePort()}`], () => clock);
  const creds = new AgentCredentials(await pki.issue("tunneler", "t1"), pki.bundle);
  const log = createLogger({ write: () => {}, now: () => 0 });
  await assert.rejects(renewAtAnyController(state, creds, expected, log), (e) => {
    assert.ok(e instanceof ControllerUnreachableError, String(e));
    assert.ok(e.message.startsWith("renewal failed: "), e.message);
    return true;
  });
  assert.deepEqual(state.controllerUnreachableSince, "2026-01-01T00:00:00.000Z");
  clock += 60_000;
  await assert.rejects(renewAtAnyController(state, creds, expected, log), ControllerUnreachableError);
  assert.deepEqual(
    state.controllerUnreachableSince,
    "2026-01-01T00:00:00.000Z",
    "the outage began at the first failure",
  );
});
