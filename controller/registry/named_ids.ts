/**
 * Which tunneler ids the policy names (an unbound token cannot enroll such an id): the connectors'
 * allowlists, the groups and the policies, read once and kept until the store's watch reports a
 * change under `["allowlists"]` or `["access"]` (or a resync): then the next question reads them
 * again. An enrollment asks it each time; without the cache that was three listings of the store
 * per enrollment.
 *
 * Only on Deno KV: there every write passes through this controller, and its watch reports it
 * before the writer's commit returns, so an id named a moment ago is refused. On etcd another
 * controller's write reaches the watch some milliseconds later (longer while the watch
 * reconnects), and an unbound token must not enroll an id that a group already names in that gap:
 * each question reads the store.
 * @module
 */
import type { Store, Watch } from "../store/store.ts";
import type { AccessStore } from "./access.ts";
import type { PolicyStore } from "./policy.ts";

/** What names one tunneler id. */
export interface Naming {
  /** The first connector (in key order) whose allowlist names it, or undefined. */
  connector: string | undefined;
  /** Whether a group or a policy names it. */
  access: boolean;
}

interface Named {
  byAllowlist: Map<string, string>;
  byAccess: Set<string>;
}

/** The ids named by allowlists, groups and policies, cached between changes. */
export class NamedIds {
  #cache: Promise<Named> | undefined;
  readonly #watches: Watch[] = [];
  readonly #cached: boolean;

  constructor(store: Store, private readonly policy: PolicyStore, private readonly access: AccessStore) {
    this.#cached = store.kind === "kv";
    if (!this.#cached) return;
    const drop = () => void (this.#cache = undefined);
    const handler = { onEvents: drop, onResync: drop };
    // Watching before the first read: a change during that read drops what it returns.
    this.#watches.push(store.watch(["allowlists"], handler), store.watch(["access"], handler));
  }

  /** What names `tunnelerId` now (as of the last change the watch reported). */
  async naming(tunnelerId: string): Promise<Naming> {
    const named = await this.#named();
    return { connector: named.byAllowlist.get(tunnelerId), access: named.byAccess.has(tunnelerId) };
  }

  /** Stops following changes. */
  close(): void {
    for (const w of this.#watches) w.close();
  }

  #named(): Promise<Named> {
    if (!this.#cached) return this.#read();
    if (this.#cache) return this.#cache;
    const read = this.#read();
    this.#cache = read;
    read.catch(() => {
      if (this.#cache === read) this.#cache = undefined;
    });
    return read;
  }

  async #read(): Promise<Named> {
    const [allowlists, groups, policies] = await Promise.all([
      this.policy.allowlists(),
      this.access.list("groups"),
      this.access.list("policies"),
    ]);
    const byAllowlist = new Map<string, string>();
    for (const [connector, ids] of allowlists) {
      for (const id of ids) if (!byAllowlist.has(id)) byAllowlist.set(id, connector);
    }
    const byAccess = new Set<string>();
    for (const g of groups) for (const id of g.tunnelers) byAccess.add(id);
    for (const p of policies) for (const id of p.tunnelers) byAccess.add(id);
    return { byAllowlist, byAccess };
  }
}
