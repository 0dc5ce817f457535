/**
 * `TunnelListener.listen({ reusePort })`: several listeners on one port (SO_REUSEPORT through
 * Deno 2.9's node:net `listen({ reusePort })`), the kernel spreading connections over them. The
 * data-plane worker prototype of bench/datapath_probe.ts relies on it; this is its canary.
 */
import assert from "node:assert/strict";
import { AgentCredentials } from "../shared/agent/credentials.ts";
import { dialConnector } from "../tunneler/dialer.ts";
import { echoServer, memLog, rig } from "../tests/agents/_fixture.ts";
import { TunnelListener } from "./listener.ts";

const open = (destination: string) => ({ kind: { $case: "open" as const, value: { destination } } });
const silent = memLog().log;

Deno.test("two TunnelListeners with reusePort share one port and both take tunnels", async () => {
  await using echo = await echoServer();
  const dest = `127.0.0.1:${echo.port}`;
  // The rig's listener has the port without reusePort: a second one on it must be refused.
  await using r = await rig({ forwards: "", resources: [dest] });
  const blocked = new TunnelListener({
    creds: r.connectorCreds,
    trustDomain: "postern.internal",
    log: silent,
  });
  await assert.rejects(
    blocked.listen("127.0.0.1", r.connectorPort, { reusePort: true }),
    /EADDRINUSE|in use/i,
  );
  await blocked.close(0);

  const make = () => {
    const l = new TunnelListener({ creds: r.connectorCreds, trustDomain: "postern.internal", log: silent });
    l.policy.apply({ allowedTunnelers: ["t1"], resources: [dest] });
    const opened: string[] = [];
    l.onTunnelEvent((e) => e.kind === "tunnel.opened" && opened.push(e.tunnelerId));
    return { l, opened };
  };
  const a = make(), b = make();
  const port = await a.l.listen("127.0.0.1", 0, { reusePort: true });
  assert.equal(await b.l.listen("127.0.0.1", port, { reusePort: true }), port);
  try {
    const creds = new AgentCredentials(r.tunnelerCreds.svid, r.pki.bundle);
    const dial = { ...r.dial(creds), port };
    for (let i = 0; i < 24; i++) {
      const { socket } = await dialConnector(dial, open(dest));
      socket.destroy();
    }
    assert.equal(a.opened.length + b.opened.length, 24);
    // 24 connections over two sockets of one reuseport group: both get some (all on one would
    // have probability 2^-23 with the kernel's hash of the client's ephemeral port).
    assert.ok(a.opened.length > 0 && b.opened.length > 0, `spread ${a.opened.length} / ${b.opened.length}`);
  } finally {
    await a.l.close(0);
    await b.l.close(0);
  }
});
