import assert from "node:assert/strict";
import { waitFor } from "../../shared/demo/child.ts";
import { PRIVATE_GREETING } from "../../shared/demo/topology.ts";
import { withTopology } from "./_topology.ts";

// One scenario, in order, on the demo's topology: every process real, every hop real TLS.
Deno.test({
  name:
    "demo topology: enrolls, tunnels bytes, flips OFFLINE when the connector stops and ONLINE when it returns",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTopology(async (t) => {
      // Bytes through the tunnel: the private service's answer arrives intact.
      assert.equal(await (await fetch(t.forwardUrl)).text(), PRIVATE_GREETING);

      // The registry shows both agents ONLINE, the tunneler attached to its connector.
      const tunneler = await t.admin.request<{ status: string; connector_id: string; spiffe_id: string }>(
        "GET",
        `/api/admin/tunnelers/${t.tunnelerId}`,
      );
      assert.equal(tunneler.status, "ONLINE");
      assert.equal(tunneler.connector_id, t.connectorId);
      assert.equal(tunneler.spiffe_id, `spiffe://postern.internal/tunneler/${t.tunnelerId}`);

      // The UI lists the connector to a logged-in operator.
      const login = await fetch(`${t.uiUrl}/login`, {
        method: "POST",
        body: new URLSearchParams({ password: t.uiPassword }),
        redirect: "manual",
      });
      await login.body?.cancel();
      assert.equal(login.status, 303);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const page = await (await fetch(`${t.uiUrl}/connectors`, { headers: { cookie } })).text();
      assert.match(page, /demo-connector/);

      // The connector stops: OFFLINE once OFFLINE_AFTER (6 s in the demo) passes.
      assert.equal(await t.children.connector.stop(), 0);
      await waitFor(
        "the connector to go OFFLINE",
        async () => (await t.admin.status("connectors", t.connectorId)) === "OFFLINE" || undefined,
        15_000,
      );

      // It returns with its stored identity (no token): ONLINE again, and the tunnel carries bytes.
      const again = await t.restart("connector");
      await waitFor(
        "the connector to be ONLINE again",
        async () => (await t.admin.status("connectors", t.connectorId)) === "ONLINE" || undefined,
        20_000,
        again,
      );
      await waitFor(
        "bytes through the tunnel after the connector's restart",
        async () => {
          const text = await (await fetch(t.forwardUrl)).text();
          return text === PRIVATE_GREETING || undefined;
        },
        20_000,
        t.children.tunneler,
      );
    }),
});
