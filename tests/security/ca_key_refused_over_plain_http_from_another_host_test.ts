/**
 * `POST /api/admin/ca/rotate/prepare` carries a CA private key. Over plain HTTP from another host
 * the key has already crossed a network in clear: the controller refuses it (403, a message that
 * says to use HTTPS or loopback), keeps its trust bundle unchanged and logs where it came from.
 * The same request from loopback is accepted. The decision is the socket's peer address: a
 * namespace of the test's own gives the controller a genuinely non-loopback peer.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { canUseNetns, fetchInNamespace, withControllerOnIsolatedHost } from "../e2e/netns.ts";

const enabled = await canUseNetns();
if (!enabled) {
  console.warn("SKIP CA key over plain HTTP test: needs root and iproute2 (ip netns); CI runs it as root");
}

Deno.test({
  name: "controller refuses a CA key over plain HTTP from a non-loopback peer and accepts it from loopback",
  ignore: !enabled,
  fn: () =>
    withControllerOnIsolatedHost(
      (controller) => ({ ...controller.env, ADMIN_HTTP_ADDR: `:${new URL(controller.adminUrl).port}` }),
      async ({ host, controller, p }) => {
        const port = new URL(controller.adminUrl).port;
        const next = await createCa({ commonName: "Next CA" });
        const prepare = (base: string) => ({
          url: `${base}/api/admin/ca/rotate/prepare`,
          method: "POST",
          headers: { authorization: `Bearer ${controller.adminToken}`, "content-type": "application/json" },
          body: JSON.stringify({ cert_pem: next.certPem, key_pem: next.keyPem }),
        });
        const bundle = (base: string) => ({
          url: `${base}/api/admin/ca`,
          headers: { authorization: `Bearer ${controller.adminToken}` },
        });
        const remote = `http://${host.ip}:${port}`;
        const local = `http://127.0.0.1:${port}`;
        const r = await fetchInNamespace(host.ns, {
          fromRemote: prepare(remote),
          bundleAfterRefusal: bundle(local),
          fromLoopback: prepare(local),
          bundleAfterLoopback: bundle(local),
        });
        assert.ok("status" in r.fromRemote, JSON.stringify(r.fromRemote));
        assert.equal(r.fromRemote.status, 403, r.fromRemote.body);
        assert.equal(
          JSON.parse(r.fromRemote.body).error,
          "CA private key refused: it arrived over plain HTTP from a non-loopback address; treat the key as exposed, then send a new one over HTTPS (set ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE) or from the controller's host over loopback",
        );
        assert.ok("status" in r.bundleAfterRefusal && r.bundleAfterRefusal.status === 200);
        assert.equal(
          JSON.parse(r.bundleAfterRefusal.body).cas.length,
          1,
          "the refused CA is not in the bundle",
        );
        assert.ok(
          p.lines.some((l) => l.includes("CA private key refused") && l.includes(host.ip)),
          `the log names the peer ${host.ip}:\n${p.lines.join("\n")}`,
        );
        assert.ok(
          "status" in r.fromLoopback && r.fromLoopback.status === 200,
          JSON.stringify(r.fromLoopback),
        );
        assert.ok("status" in r.bundleAfterLoopback);
        assert.equal(JSON.parse(r.bundleAfterLoopback.body).cas.length, 2, "prepared from loopback");
        // Plain HTTP on every interface was announced at start.
        assert.ok(
          p.lines.some((l) => l.includes("admin API serves plain HTTP beyond loopback")),
          p.lines.join("\n"),
        );
      },
    ),
});
