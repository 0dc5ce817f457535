import { Etcd3 } from "etcd3";
import assert from "node:assert/strict";
import {
  etcdAvailable,
  type EtcdCluster,
  etcdTest,
  startEtcdCluster,
} from "../../tests/support/etcd_cluster.ts";
import { waitFor } from "../../tests/support/wait_for.ts";
import { within } from "../../tests/support/within.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { storeConformance } from "./conformance.ts";
import { EtcdStore, openEtcdStore } from "./etcd_store.ts";
import { put, StoreUnavailableError, type WatchEvent } from "./store.ts";

const PREFIX = "/postern-test/";

storeConformance("etcd", async () => {
  const cluster = await startEtcdCluster();
  const open = () => openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
  const store = await open();
  return {
    store,
    another: open,
    cleanup: async () => {
      await store.close();
      await cluster.close();
    },
  };
}, { sharedAcrossInstances: true, sanitizeOps: false, sanitizeResources: false, ignore: !etcdAvailable() });

async function withCluster(
  members: 1 | 3,
  fn: (cluster: EtcdCluster) => Promise<void>,
  quotaBackendBytes?: number,
): Promise<void> {
  const cluster = await startEtcdCluster({ members, ...(quotaBackendBytes ? { quotaBackendBytes } : {}) });
  try {
    await fn(cluster);
  } finally {
    await cluster.close();
  }
}

etcdTest(
  "EtcdStore keeps keys as ETCD_PREFIX + segments joined with / and versions as padded mod_revision",
  async () => {
    await withCluster(1, async (cluster) => {
      const store = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
      const raw = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
      try {
        const version = await put(store, ["agents", "connector", "c1"], { n: 1 });
        const kv = await raw.get(`${PREFIX}agents/connector/c1`).exec();
        const stored = kv.kvs[0]!;
        assert.deepEqual(JSON.parse(stored.value.toString()), { n: 1 });
        assert.deepEqual(version, stored.mod_revision.padStart(20, "0"));
        assert.deepEqual(version.length, 20);
      } finally {
        raw.close();
        await store.close();
      }
    });
  },
);

etcdTest(
  "EtcdStore writes keys of one expiry bucket under one shared lease, not one lease per key",
  async () => {
    await withCluster(1, async (cluster) => {
      const store = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
      const raw = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
      try {
        for (let i = 0; i < 20; i++) {
          await store.commit([], [{ type: "set", key: ["revoked", `s${i}`], value: i, expireInMs: 600_000 }]);
        }
        const kvs = (await raw.getAll().prefix(`${PREFIX}revoked/`).exec()).kvs;
        assert.deepEqual(kvs.length, 20);
        const leases = new Set(kvs.map((kv) => kv.lease));
        assert.ok(leases.size <= 2, `expected at most 2 bucket leases, got ${leases.size}`);
        assert.ok(!leases.has("0"), "every key has a lease");
      } finally {
        raw.close();
        await store.close();
      }
    });
  },
);

etcdTest(
  "EtcdStore watch that starts from a compacted revision resyncs and then sees new commits",
  async () => {
    await withCluster(1, async (cluster) => {
      const watcher = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX, log: () => {} });
      const writer = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
      const raw = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
      try {
        await put(watcher, ["w", "seen"], 0); // the watcher's newest revision: where its watch starts
        for (let i = 0; i < 5; i++) await put(writer, ["other", `k${i}`], i);
        const head = (await raw.get(`${PREFIX}w/seen`).exec()).header.revision;
        await raw.kv.compact({ revision: head, physical: true }); // past the watcher's newest revision
        let resyncs = 0;
        const events: WatchEvent[] = [];
        const watch = watcher.watch(["w"], { onEvents: (e) => events.push(...e), onResync: () => resyncs++ });
        try {
          await waitFor(
            "the compacted watch to resync",
            () => Promise.resolve(resyncs > 0 ? true : undefined),
            10_000,
          );
          await put(writer, ["w", "after"], "new");
          await waitFor(
            "the event after the resync",
            () => Promise.resolve(events.length > 0 ? true : undefined),
            10_000,
          );
          assert.deepEqual(events.map((e) => [e.type, e.key.join("/"), e.value]), [[
            "put",
            "w/after",
            "new",
          ]]);
          assert.deepEqual(resyncs, 1);
        } finally {
          watch.close();
        }
      } finally {
        raw.close();
        await writer.close();
        await watcher.close();
      }
    });
  },
);

etcdTest(
  "EtcdStore shows etcd's NOSPACE alarm in health and refuses writes with StoreUnavailableError",
  async () => {
    await withCluster(1, async (cluster) => {
      const store = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
      try {
        const big = "x".repeat(200_000);
        const error = await waitFor(
          "etcd to raise NOSPACE",
          async () => {
            try {
              await put(store, ["fill", crypto.randomUUID()], big);
              return undefined;
            } catch (e) {
              return e;
            }
          },
          60_000,
          0,
        );
        assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${error}`);
        assert.ok(String(error.message).startsWith("etcd is out of space (NOSPACE alarm)"), error.message);
        const health = await store.health();
        assert.deepEqual(health.writable, false);
        assert.ok(health.problems.some((p) => p.includes("NOSPACE")), health.problems.join("; "));
      } finally {
        await store.close();
      }
    }, 2 * 1024 * 1024);
  },
);

etcdTest(
  "EtcdStore without quorum refuses writes with StoreUnavailableError within its deadline, reads its member's copy, and writes again when the members return",
  async () => {
    await withCluster(3, async (cluster) => {
      const store = await openEtcdStore({
        endpoints: cluster.endpoints,
        prefix: PREFIX,
        requestTimeoutMs: 2_000,
      });
      try {
        await put(store, ["q", "before"], 1);
        assert.deepEqual((await store.health()).writable, true);
        await cluster.kill(1);
        await cluster.kill(2);
        const started = Date.now();
        const error = await within(
          put(store, ["q", "during"], 2).then(() => null, (e: unknown) => e),
          10_000,
          "a write without quorum",
        );
        assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${error}`);
        const took = Date.now() - started;
        assert.ok(took <= 4_500, `the refusal took ${took} ms, over twice the 2000 ms deadline`);
        assert.ok(error.message.startsWith("etcd has no quorum or is unreachable at"), error.message);
        const health = await within(store.health(), 10_000, "health without quorum");
        assert.deepEqual(health.writable, false);
        assert.ok(health.problems.some((p) => p.includes("no quorum")), health.problems.join("; "));
        assert.deepEqual(EtcdStore.isOutage(error.cause), true);
        // Reads fall back to the surviving member's copy (possibly stale), within the same bound.
        const read = await within(store.get(["q", "before"]), 10_000, "a read without quorum");
        assert.deepEqual(read.value, 1);

        await cluster.restart(1);
        await cluster.restart(2);
        await waitFor("writes to work again", async () => {
          try {
            await put(store, ["q", "after"], 3);
            return true;
          } catch (e) {
            if (e instanceof StoreUnavailableError) return undefined;
            throw e;
          }
        }, 20_000);
        assert.deepEqual((await store.get(["q", "after"])).value, 3);
        assert.deepEqual((await store.health()).writable, true);
      } finally {
        await store.close();
      }
    });
  },
);

etcdTest(
  "EtcdStore watch reconnects after etcd was down, resyncs, and sees commits made while it was away",
  async () => {
    await withCluster(3, async (cluster) => {
      // The watcher talks to member 0 only; the writer to the other two.
      const watcher = await openEtcdStore({
        endpoints: [cluster.endpoints[0]!],
        prefix: PREFIX,
        log: () => {},
      });
      const writer = await openEtcdStore({ endpoints: cluster.endpoints.slice(1), prefix: PREFIX });
      let resyncs = 0;
      const events: WatchEvent[] = [];
      const watch = watcher.watch(["r"], { onEvents: (e) => events.push(...e), onResync: () => resyncs++ });
      try {
        // The watch goes live asynchronously: write until it has seen one, then start counting.
        await waitFor("the watch live", async () => {
          await put(writer, ["r", "before"], 1);
          return events.length > 0 || undefined;
        });
        events.length = 0;
        await cluster.stop(0);
        await put(writer, ["r", "while-away"], 2);
        await cluster.restart(0);
        await waitFor(
          "the resync after the reconnect",
          () => Promise.resolve(resyncs > 0 ? true : undefined),
        );
        await put(writer, ["r", "after"], 3);
        await waitFor(
          "the event after the reconnect",
          () => Promise.resolve(events.length === 2 ? true : undefined),
        );
        assert.deepEqual(
          events.map((e) => e.key.join("/")),
          ["r/while-away", "r/after"],
        );
      } finally {
        watch.close();
        await writer.close();
        await watcher.close();
      }
    });
  },
);

etcdTest(
  "EtcdStore speaks TLS to etcds:// members that require a client certificate, and fails clearly without one",
  async () => {
    const pki = await makeTestPki();
    const dir = await Deno.makeTempDir({ prefix: "postern-etcd-tls-" });
    const server = await pki.issue("controller", "etcd", { ipSans: ["127.0.0.1"] });
    const client = await pki.issue("controller", "c1");
    const files = { caFile: `${dir}/ca.pem`, certFile: `${dir}/server.pem`, keyFile: `${dir}/server.key` };
    await Deno.writeTextFile(files.caFile, pki.caPem);
    await Deno.writeTextFile(files.certFile, server.certPem);
    await Deno.writeTextFile(files.keyFile, server.keyPem);
    const cluster = await startEtcdCluster({ tls: files });
    const pem = (text: string) => new TextEncoder().encode(text);
    try {
      assert.ok(cluster.storeUrl.startsWith("etcds://"), cluster.storeUrl);
      const store = await openEtcdStore({
        endpoints: cluster.endpoints,
        prefix: PREFIX,
        tls: { ca: pem(pki.caPem), cert: pem(client.certPem), key: pem(client.keyPem) },
      });
      try {
        const version = await put(store, ["tls", "k"], "over TLS");
        assert.deepEqual(await store.get(["tls", "k"]), { key: ["tls", "k"], value: "over TLS", version });
        assert.deepEqual((await store.health()).writable, true);
      } finally {
        await store.close();
      }
      const anonymous = await openEtcdStore({
        endpoints: cluster.endpoints,
        prefix: PREFIX,
        tls: { ca: pem(pki.caPem) },
        requestTimeoutMs: 2_000,
      });
      try {
        const error = await within(
          put(anonymous, ["tls", "nope"], 1).then(() => null, (e: unknown) => e),
          10_000,
          "a write without a client certificate",
        );
        assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${error}`);
        assert.ok(error.message.startsWith("etcd has no quorum or is unreachable at"), error.message);
      } finally {
        await anonymous.close();
      }
    } finally {
      await cluster.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

etcdTest(
  "EtcdStore refuses an etcds:// member whose certificate does not name the IP it dialed",
  async () => {
    const pki = await makeTestPki();
    const dir = await Deno.makeTempDir({ prefix: "postern-etcd-tls-" });
    const server = await pki.issue("controller", "etcd", { ipSans: ["127.0.0.2"] });
    const client = await pki.issue("controller", "c1");
    const files = { caFile: `${dir}/ca.pem`, certFile: `${dir}/server.pem`, keyFile: `${dir}/server.key` };
    await Deno.writeTextFile(files.caFile, pki.caPem);
    await Deno.writeTextFile(files.certFile, server.certPem);
    await Deno.writeTextFile(files.keyFile, server.keyPem);
    // Its /health cannot be probed over TLS either (fetch checks the name too): wait for the port.
    const cluster = await startEtcdCluster({ tls: files, waitForHealth: false });
    try {
      const pem = (text: string) => new TextEncoder().encode(text);
      const endpoint = cluster.endpoints[0]!;
      const store = await openEtcdStore({
        endpoints: [endpoint],
        prefix: PREFIX,
        tls: { ca: pem(pki.caPem), cert: pem(client.certPem), key: pem(client.keyPem) },
        requestTimeoutMs: 2_000,
      });
      try {
        const error = await put(store, ["tls", "k"], 1).then(() => null, (e: unknown) => e);
        assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${error}`);
        assert.match(error.message, /etcd has no quorum or is unreachable at "127\.0\.0\.1:/);
        assert.match(error.message, /IP: 127\.0\.0\.1 is not in the cert's list: 127\.0\.0\.2/);
      } finally {
        await store.close();
      }
    } finally {
      await cluster.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

etcdTest(
  "EtcdStore keeps a lease alive past its TTL; its keys vanish once the holder stops (a crash)",
  async () => {
    await withCluster(1, async (cluster) => {
      const store = await openEtcdStore({ endpoints: cluster.endpoints, prefix: PREFIX });
      const raw = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
      try {
        const grantedAt = Date.now();
        const lease = await store.grantLease(2_000);
        await store.commit([], [{ type: "set", key: ["presence", "me"], value: 1, lease }]);
        // Without keep-alives etcd would end the lease 2 s after the grant: it is seen alive at 4 s.
        await waitFor(
          "the lease to be seen alive at twice its TTL",
          async () => {
            const ttl = Number((await raw.leaseClient.leaseTimeToLive({ ID: lease.id })).TTL);
            assert.ok(ttl > 0, `the lease ended ${Date.now() - grantedAt} ms after its grant`);
            return Date.now() - grantedAt > 4_000 ? true : undefined;
          },
          10_000,
          250,
        );
        assert.deepEqual((await store.get(["presence", "me"])).value, 1);
        await store.close(); // no revoke: keep-alives just stop, as when the controller dies
        await waitFor("the lease's key to vanish", async () => {
          const kvs = (await raw.get(`${PREFIX}presence/me`).exec()).kvs;
          return kvs.length === 0 ? true : undefined;
        }, 10_000);
      } finally {
        raw.close();
        await store.close();
      }
    });
  },
);

etcdTest("EtcdStore resolves a lease's lost when keep-alives fail for its TTL (no quorum)", async () => {
  await withCluster(3, async (cluster) => {
    const store = await openEtcdStore({ endpoints: [cluster.endpoints[0]!], prefix: PREFIX, log: () => {} });
    try {
      const lease = await store.grantLease(2_000);
      let lostAt = 0;
      lease.lost.then(() => lostAt = Date.now());
      await cluster.kill(1);
      await cluster.kill(2);
      const killedAt = Date.now();
      await within(lease.lost, 10_000, "lease.lost without quorum");
      assert.ok(lostAt - killedAt <= 4_000, `lost resolved ${lostAt - killedAt} ms after quorum went`);
    } finally {
      await store.close();
    }
  });
});
