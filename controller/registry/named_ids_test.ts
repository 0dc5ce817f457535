import assert from "node:assert/strict";
import { etcdTest, startEtcdCluster } from "../../tests/support/etcd_cluster.ts";
import { openEtcdStore } from "../store/etcd_store.ts";
import { openKvStore } from "../store/kv_store.ts";
import type { Store } from "../store/store.ts";
import { AccessStore } from "./access.ts";
import { NamedIds } from "./named_ids.ts";
import { PolicyStore } from "./policy.ts";

/** The store with its listings counted (the store still does all the work). */
function countLists(store: Store): { lists: number } {
  const seen = { lists: 0 };
  const list = store.list.bind(store);
  store.list = (...args: Parameters<Store["list"]>) => {
    seen.lists++;
    return list(...args);
  };
  return seen;
}

function namedIdsOf(store: Store): NamedIds {
  return new NamedIds(store, new PolicyStore(store), new AccessStore(store));
}

Deno.test("NamedIds.naming() names the first allowlist's connector, groups and policies; reads once between changes", async () => {
  const store = await openKvStore(":memory:");
  try {
    const policy = new PolicyStore(store);
    const access = new AccessStore(store);
    await policy.setAllowlist("c2", ["bob", "alice"]);
    await policy.setAllowlist("c1", ["alice"]);
    await access.put("groups", { name: "eng", tunnelers: ["carol"] });
    await access.put("policies", { name: "p", groups: ["eng"], tunnelers: ["dave"], resources: [] });
    const seen = countLists(store);
    const named = new NamedIds(store, policy, access);
    const answers = await Promise.all(
      ["alice", "bob", "carol", "dave", "erin"].map((id) => named.naming(id)),
    );
    assert.deepEqual(answers, [
      { connector: "c1", access: false },
      { connector: "c2", access: false },
      { connector: undefined, access: true },
      { connector: undefined, access: true },
      { connector: undefined, access: false },
    ]);
    for (let i = 0; i < 10; i++) await named.naming("erin");
    assert.deepEqual(seen.lists, 3, "allowlists, groups and policies, listed once for all of these");
    named.close();
  } finally {
    await store.close();
  }
});

Deno.test("NamedIds.naming() sees every change of an allowlist, a group or a policy at once after its commit", async () => {
  const store = await openKvStore(":memory:");
  try {
    const policy = new PolicyStore(store);
    const access = new AccessStore(store);
    const named = new NamedIds(store, policy, access);
    const erin = () => named.naming("erin");
    assert.deepEqual(await erin(), { connector: undefined, access: false });
    await policy.setAllowlist("c1", ["erin"]);
    assert.deepEqual(await erin(), { connector: "c1", access: false });
    await policy.setAllowlist("c1", []);
    await access.put("groups", { name: "eng", tunnelers: ["erin"] });
    assert.deepEqual(await erin(), { connector: undefined, access: true });
    assert.equal(await access.delete("groups", "eng"), true);
    assert.deepEqual(await erin(), { connector: undefined, access: false });
    await access.put("policies", { name: "p", groups: [], tunnelers: ["erin"], resources: [] });
    assert.deepEqual(await erin(), { connector: undefined, access: true });
    named.close();
  } finally {
    await store.close();
  }
});

etcdTest(
  "NamedIds.naming() on etcd sees an allowlist and a group written through another controller as soon as its commit returns",
  async () => {
    const etcd = await startEtcdCluster();
    try {
      const prefix = "/named-ids/";
      const [mine, other] = [
        await openEtcdStore({ endpoints: etcd.endpoints, prefix }),
        await openEtcdStore({ endpoints: etcd.endpoints, prefix }),
      ];
      try {
        // This controller's watch reports a second late, as it may while it reconnects.
        const lateWatch = mine.watch.bind(mine);
        mine.watch = (prefix, handler) =>
          lateWatch(prefix, {
            onEvents: (events) => setTimeout(() => handler.onEvents(events), 1_000),
            onResync: () => setTimeout(() => handler.onResync(), 1_000),
          });
        const named = namedIdsOf(mine);
        assert.deepEqual(await named.naming("erin"), { connector: undefined, access: false });
        assert.deepEqual(await named.naming("frank"), { connector: undefined, access: false });
        // No wait for the watch: an enrollment through this controller right after the other's
        // commit must already be refused.
        await new PolicyStore(other).setAllowlist("c9", ["erin"]);
        assert.deepEqual(await named.naming("erin"), { connector: "c9", access: false });
        await new AccessStore(other).put("groups", { name: "eng", tunnelers: ["frank"] });
        assert.deepEqual(await named.naming("frank"), { connector: undefined, access: true });
        named.close();
      } finally {
        await mine.close();
        await other.close();
      }
    } finally {
      await etcd.close();
    }
  },
);
