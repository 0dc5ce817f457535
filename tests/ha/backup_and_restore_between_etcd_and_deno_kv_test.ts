/**
 * Backup and restore across backends, real processes: a controller on etcd with a connector
 * streaming (so presence keys exist under its lease) is backed up; the file holds the registry
 * and the CA (keys opened from their etcd seal, sealed with the passphrase) but no presence key;
 * it restores into a fresh Deno KV state directory, where a controller serves it (same CA, the
 * connector known). That controller's state is backed up in turn and restored into a fresh etcd
 * prefix, where a controller on etcd serves it again (the CA key sealed once more).
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { prepareController } from "../support/controller.ts";
import { startProgram } from "../support/process.ts";
import { startHa } from "./_ha.ts";
import { startConnector, waitForStatus } from "./_presence.ts";

async function run(args: string[], env: Record<string, string>): Promise<string[]> {
  const p = startProgram("controller", { args, env });
  assert.deepEqual(await p.exited, 0, p.lines.join("\n"));
  return p.lines;
}

/** The first segment of every key in a backup file. */
async function prefixesOf(path: string): Promise<{ prefixes: string[]; firstSegments: string[] }> {
  const file = JSON.parse(await Deno.readTextFile(path));
  return {
    prefixes: file.prefixes,
    firstSegments: [...new Set<string>(file.entries.map((e: { key: [string, string][] }) => e.key[0]![1]))],
  };
}

etcdTest(
  "a backup of a controller on etcd restores into Deno KV and back into etcd, presence left out",
  async () => {
    await using ha = await startHa(1);
    const c0 = ha.controllers[0]!;
    const connector = await startConnector(ha, "c1", [c0.grpcAddr]);
    try {
      await waitForStatus(c0, "c1", "ONLINE");
      const caBefore = (await c0.admin("GET", "/api/admin/ca")).body.cas.map((c: { fingerprint: string }) =>
        c.fingerprint
      );
      const pass = `${ha.dir}/passphrase`;
      await Deno.writeTextFile(pass, "correct horse battery staple\n");
      const ca = {
        INTERNAL_CA_CERT_FILE: `${ha.dir}/shared-ca/ca.crt`,
        INTERNAL_CA_KEY_FILE: `${ha.dir}/shared-ca/ca.key`,
      };
      const sealing = { CA_KEY_ENCRYPTION_KEY_FILE: `${ha.dir}/ca-key-encryption.key` };

      const fromEtcd = `${ha.dir}/from-etcd.backup`;
      await run(["backup", "--out", fromEtcd, "--key-passphrase-file", pass], {
        CONTROLLER_STORE: ha.etcd.storeUrl,
        ...sealing,
      });
      const taken = await prefixesOf(fromEtcd);
      assert.ok(taken.firstSegments.includes("agents"), `segments: ${taken.firstSegments}`);
      assert.ok(
        !taken.firstSegments.includes("presence"),
        `presence keys in the backup: ${taken.firstSegments}`,
      );
      assert.ok(!taken.prefixes.includes("presence"), `prefixes: ${taken.prefixes}`);

      await run(["restore", "--in", fromEtcd, "--key-passphrase-file", pass], {
        CONTROLLER_STATE_DIR: `${ha.dir}/kv-state`,
      });
      const onKv = await prepareController(`${ha.dir}/kv`, {
        ...ca,
        CONTROLLER_STATE_DIR: `${ha.dir}/kv-state`,
      });
      const kvProcess = await onKv.start();
      try {
        assert.deepEqual((await onKv.admin("GET", "/api/admin/connectors/c1")).status, 200);
        assert.deepEqual(
          (await onKv.admin("GET", "/api/admin/ca")).body.cas.map((c: { fingerprint: string }) =>
            c.fingerprint
          ),
          caBefore,
        );
      } finally {
        await kvProcess.stop();
      }

      const fromKv = `${ha.dir}/from-kv.backup`;
      await run(["backup", "--out", fromKv, "--key-passphrase-file", pass], {
        CONTROLLER_STATE_DIR: `${ha.dir}/kv-state`,
      });
      const etcdBack = { CONTROLLER_STORE: ha.etcd.storeUrl, ETCD_PREFIX: "/restored/", ...sealing };
      await run(["restore", "--in", fromKv, "--key-passphrase-file", pass], etcdBack);
      const onEtcd = await prepareController(`${ha.dir}/etcd-again`, { ...ca, ...etcdBack });
      const etcdProcess = await onEtcd.start();
      try {
        assert.deepEqual((await onEtcd.admin("GET", "/api/admin/connectors/c1")).status, 200);
        assert.deepEqual(
          (await onEtcd.admin("GET", "/api/admin/ca")).body.cas.map((c: { fingerprint: string }) =>
            c.fingerprint
          ),
          caBefore,
        );
      } finally {
        await etcdProcess.stop();
      }
    } finally {
      await connector.stop();
    }
  },
);
