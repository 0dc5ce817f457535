import assert from "node:assert/strict";
import { AdminClient } from "../../shared/demo/admin_client.ts";
import { waitFor } from "../../shared/demo/child.ts";
import type { RunningProgram } from "../support/process.ts";
import { canUseNetns, createTestNetwork, denoInNamespace } from "./netns.ts";
import { makeTestDir } from "../support/paths.ts";

const enabled = await canUseNetns();
if (!enabled) console.warn("SKIP multi-host test: needs root and iproute2 (ip netns); CI runs it as root");

const GREETING = "private resource on its own LAN\n";

Deno.test({
  name: "multi-host: a tunneler reaches a resource on the connector's private LAN only through the tunnel",
  ignore: !enabled,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const net = await createTestNetwork();
    const dir = await makeTestDir({ prefix: "postern-netns-" });
    const running: RunningProgram[] = [];
    try {
      const init = denoInNamespace(net.hosts.controller, [
        "run",
        "-P=controller",
        "controller/main.ts",
        "init-ca",
        "--out",
        `${dir}/ca`,
      ]);
      assert.equal(await init.exited, 0, init.lines.join("\n"));
      const caPath = `${dir}/ca/ca.crt`;
      const token = crypto.randomUUID();
      const controller = denoInNamespace(net.hosts.controller, [
        "run",
        "-P=controller",
        "controller/main.ts",
        "serve",
      ], {
        ADMIN_AUTH_TOKEN: token,
        ADMIN_HTTP_ADDR: `${net.ips.controller}:8080`,
        CONTROLLER_GRPC_ADDR: `${net.ips.controller}:8443`,
        CONTROLLER_STATE_DIR: `${dir}/controller`,
        INTERNAL_CA_CERT_FILE: caPath,
        INTERNAL_CA_KEY_FILE: `${dir}/ca/ca.key`,
        HEARTBEAT_INTERVAL: "1s",
      });
      running.push(controller);
      const admin = new AdminClient(`http://${net.ips.controller}:8080`, token);
      await waitFor("the controller in its namespace", async () => {
        const r = await fetch(`${admin.baseUrl}/readyz`);
        await r.body?.cancel();
        return r.ok || undefined;
      });

      const resource = denoInNamespace(net.hosts.resource, [
        "eval",
        `Deno.serve({ hostname: "${net.ips.resource}", port: 8000 }, () => new Response(${
          JSON.stringify(GREETING)
        }))`,
      ]);
      running.push(resource);
      await resource.waitForLine("Listening");

      const connector = denoInNamespace(net.hosts.connector, [
        "run",
        "-P=connector",
        "connector/main.ts",
        "run",
      ], {
        CONTROLLER_ADDR: `${net.ips.controller}:8443`,
        CONNECTOR_ID: "lan-connector",
        CONTROLLER_CA_PATH: caPath,
        ENROLLMENT_TOKEN: await admin.createToken("connector", "netns"),
        CONNECTOR_PRIVATE_IP: net.ips.connector,
        CONNECTOR_LISTEN_ADDR: `${net.ips.connector}:9443`,
        CONNECTOR_STATE_DIR: `${dir}/connector`,
      });
      running.push(connector);
      await waitFor(
        "the connector ONLINE",
        async () => (await admin.status("connectors", "lan-connector")) === "ONLINE" || undefined,
      );
      const registered = await admin.request<{ private_ip: string }>(
        "GET",
        "/api/admin/connectors/lan-connector",
      );
      assert.equal(registered.private_ip, net.ips.connector);
      await admin.request("PUT", "/api/admin/connectors/lan-connector/resources", {
        resources: [`${net.ips.resource}:8000`],
      });
      await admin.request("PUT", "/api/admin/connectors/lan-connector/allowlist", { tunnelers: ["laptop"] });

      const tunneler = denoInNamespace(
        net.hosts.tunneler,
        ["run", "-P=tunneler", "tunneler/main.ts", "run"],
        {
          CONTROLLER_ADDR: `${net.ips.controller}:8443`,
          TUNNELER_ID: "laptop",
          CONTROLLER_CA_PATH: caPath,
          ENROLLMENT_TOKEN: await admin.createToken("tunneler", "netns", "laptop"),
          CONNECTOR_ADDR: `lan-connector@${net.ips.connector}:9443`,
          TUNNELER_FORWARDS: `127.0.0.1:18080=${net.ips.resource}:8000`,
          TUNNELER_STATE_DIR: `${dir}/tunneler`,
        },
      );
      running.push(tunneler);
      await waitFor(
        "the tunneler ONLINE",
        async () => (await admin.status("tunnelers", "laptop")) === "ONLINE" || undefined,
      );

      // From the tunneler's host: the forward answers, the resource itself is unreachable.
      const probe = (url: string) =>
        denoInNamespace(net.hosts.tunneler, [
          "eval",
          `try { const r = await fetch("${url}", { signal: AbortSignal.timeout(3000) }); console.log("BODY " + JSON.stringify(await r.text())); } catch (e) { console.log("FAILED " + e.name); }`,
        ]);
      const through = probe("http://127.0.0.1:18080/");
      await through.exited;
      assert.ok(through.lines.includes(`BODY ${JSON.stringify(GREETING)}`), through.lines.join("\n"));
      const direct = probe(`http://${net.ips.resource}:8000/`);
      await direct.exited;
      assert.ok(direct.lines.some((l) => l.startsWith("FAILED")), direct.lines.join("\n"));
    } finally {
      await Promise.all(running.reverse().map((p) => p.stop()));
      await net.destroy();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
