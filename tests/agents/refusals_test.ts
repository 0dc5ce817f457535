import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { AgentCredentials } from "../../shared/agent/credentials.ts";
import { dialConnector } from "../../tunneler/dialer.ts";
import { echoServer, forwardTo, openFrame, refusal, rig, roundTrip, roundTripText } from "./_fixture.ts";
import { waitFor } from "../support/wait_for.ts";

const enc = new TextEncoder();

Deno.test("connector refuses a resource outside its resources and the local connection closes", async () => {
  await using echo = await echoServer();
  await using r = await rig({ forwards: `127.0.0.1:0=127.0.0.1:${echo.port}`, resources: ["127.0.0.1:1"] });
  const got = await roundTrip(r.forwarder.ports[0]!, enc.encode("x")).catch(() => new Uint8Array());
  assert.deepEqual(got.length, 0);
  assert.ok(
    r.tunnelerLog.some((l) => l.includes(`resource not allowed: \\"127.0.0.1:${echo.port}\\"`)),
    r.tunnelerLog.join("\n"),
  );
  assert.ok(r.connectorLog.some((l) => l.includes("resource not allowed")));
});

Deno.test("tunneler outside the allowlist is refused (3.3), then admitted after the allowlist changes", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
    allow: false,
  });
  const dial = r.dial();
  assert.deepEqual(
    await refusal(dial, `127.0.0.1:${echo.port}`),
    "tunneler not allowed",
  );
  assert.ok(r.connectorLog.some((l) => l.includes("tunneler not allowed")));
  r.listener.policy.apply({ allowedTunnelers: ["t1"], resources: [`127.0.0.1:${echo.port}`] });
  assert.deepEqual(await roundTripText(r.forwarder.ports[0]!, "hi"), "hibye");
});

Deno.test("refused tunnelers leave no session behind on the connector", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
    allow: false,
  });
  const dial = r.dial();
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(
      await refusal(dial, `127.0.0.1:${echo.port}`),
      "tunneler not allowed",
    );
  }
  await waitFor(
    "the refused sessions to be released",
    () => Promise.resolve(r.listener.stats().sessions === 0 || undefined),
    3_000,
    50,
  );
  assert.deepEqual(r.listener.stats().sessions, 0);
});

Deno.test("allowlist removal ends a live session", async () => {
  await using echo = await echoServer();
  await using r = await rig({
    ...forwardTo(echo.port),
  });
  const dial = r.dial();
  const { socket } = await dialConnector(dial, openFrame(`127.0.0.1:${echo.port}`));
  const closed = new Promise<void>((res) => {
    socket.once("end", () => res());
    socket.once("close", () => res());
  });
  socket.resume();
  r.listener.policy.apply({ allowedTunnelers: [], resources: [`127.0.0.1:${echo.port}`] });
  await closed;
  assert.ok(r.connectorLog.some((l) => l.includes("removed from the allowlist")));
});

Deno.test("tunneler refuses a connector certificate without the dialed IP (2.2)", async () => {
  await using r = await rig({ forwards: "", resources: [], connectorIps: [] });
  const dial = r.dial();
  assert.deepEqual(
    await refusal(dial, "127.0.0.1:1"),
    "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs",
  );
});

Deno.test("a peer from another CA is refused with unknown authority on both sides (2.1)", async () => {
  await using r = await rig({ forwards: "", resources: [] });
  const other = await makeTestPki();
  const stranger = new AgentCredentials(await other.issue("tunneler", "t1"), r.pki.bundle);
  const dial = r.dial(stranger);
  assert.ok(
    (await refusal(dial, "127.0.0.1:1")).includes(
      "connector closed the connection",
    ),
  );
  await waitFor(
    "the connector to log the unknown authority",
    () =>
      Promise.resolve(
        r.connectorLog.some((l) => l.includes("x509: certificate signed by unknown authority")) || undefined,
      ),
    5_000,
    10,
  );
  const fooled = new AgentCredentials(r.tunnelerCreds.svid, other.bundle);
  const dial2 = r.dial(fooled);
  assert.deepEqual(
    await refusal(dial2, "127.0.0.1:1"),
    "x509: certificate signed by unknown authority",
  );
});

Deno.test("wrong role and wrong trust domain are refused (2.3)", async () => {
  await using r = await rig({ forwards: "", resources: [] });
  const asConnector = new AgentCredentials(await r.pki.issue("connector", "t1"), r.pki.bundle);
  await refusal(r.dial(asConnector), "x:1");
  await waitFor(
    "the connector to log the unexpected role",
    () => Promise.resolve(r.connectorLog.some((l) => l.includes("unexpected SPIFFE role")) || undefined),
    5_000,
    10,
  );
  const msg = await refusal({ ...r.dial(), trustDomain: "other.example" }, "x:1");
  assert.ok(msg.includes("SPIFFE trust domain mismatch"), msg);
});
