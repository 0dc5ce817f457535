/**
 * Security, presence across controllers: a connector streams from controller 1 only; a new CA is
 * prepared through controller 0, which the connector does not report trusting yet (it learns the
 * bundle at its next renewal). Activating it through controller 0, which holds no agent, must
 * answer 409 naming the connector: a certificate from that CA would fail the connector's renewal
 * and its peers' handshakes (4.2). Controller 0 knows the connector's trusted CAs from the
 * ownership key controller 1 wrote in etcd.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { createCa } from "../../shared/pki/ca.ts";
import { startHa } from "./_ha.ts";
import { connectorOnTheOther, waitForStatus } from "./_presence.ts";

etcdTest(
  "ca activate through one controller answers 409 while an agent on the other lacks the CA",
  async () => {
    await using ha = await startHa(2);
    const { c0, connector } = await connectorOnTheOther(ha);
    try {
      await waitForStatus(c0, "c1", "ONLINE");
      const next = await createCa({ commonName: "Next CA" });
      const prepared = await c0.admin("POST", "/api/admin/ca/rotate/prepare", {
        cert_pem: next.certPem,
        key_pem: next.keyPem,
      });
      assert.deepEqual(prepared.status, 200, JSON.stringify(prepared.body));
      const fp = next.ca.fingerprint;
      const activated = await c0.admin("POST", "/api/admin/ca/rotate/activate", { fingerprint: fp });
      assert.deepEqual(activated.status, 409, JSON.stringify(activated.body));
      assert.match(
        activated.body.error,
        new RegExp(
          RegExp.escape(
            `CA ${fp} is not yet trusted by 1 ONLINE agent: connector "c1"; wait until they renew`,
          ),
        ),
      );
    } finally {
      await connector.stop();
    }
  },
);
