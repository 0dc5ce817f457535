/**
 * Named resources, groups and policies (the access model of `shared/access/`), one key each under
 * `["access", kind, name]` of the controller's {@link Store}. Validation is the model's
 * (`parseResource` / `parseGroup` / `parsePolicy`); this file only keeps and lists.
 * @module
 */
import type { AccessModel, Group, Policy, Resource } from "../../shared/access/model.ts";
import type { Store } from "../store/store.ts";

/** The three kinds of access records. */
export type AccessKind = "resources" | "groups" | "policies";

/** The record type of each kind. */
export interface AccessRecords {
  resources: Resource;
  groups: Group;
  policies: Policy;
}

/** Resources, groups and policies of the controller. */
export class AccessStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Calls `fn` after resources, groups or policies changed, through any controller sharing the
   * store (a burst of changes in one tick is one call); returns the function that stops it.
   */
  onChange(fn: () => void): () => void {
    let pending = false;
    const changed = () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        fn();
      });
    };
    const watch = this.#store.watch(["access"], { onEvents: changed, onResync: changed });
    return () => watch.close();
  }

  /** Every record of a kind, by name. */
  async list<K extends AccessKind>(kind: K): Promise<AccessRecords[K][]> {
    const out: AccessRecords[K][] = [];
    for await (const e of this.#store.list<AccessRecords[K]>(["access", kind])) out.push(e.value);
    return out;
  }

  /** One record, or undefined. */
  async get<K extends AccessKind>(kind: K, name: string): Promise<AccessRecords[K] | undefined> {
    return (await this.#store.get<AccessRecords[K]>(["access", kind, name])).value ?? undefined;
  }

  /** Creates or replaces a record (validated by the caller). */
  async put<K extends AccessKind>(kind: K, record: AccessRecords[K]): Promise<void> {
    const r = await this.#store.commit([], [{
      type: "set",
      key: ["access", kind, record.name],
      value: record,
    }]);
    if (!r.ok) throw new Error(`cannot save ${kind} "${record.name}"`);
  }

  /** Deletes a record; false when there was none. */
  async delete(kind: AccessKind, name: string): Promise<boolean> {
    const key = ["access", kind, name];
    const before = await this.#store.get(key);
    if (before.version === null) return false;
    const r = await this.#store.commit([{ key, version: before.version }], [{ type: "delete", key }]);
    return r.ok;
  }

  /** The whole model, for the views and the per-connector compilation. */
  async model(): Promise<AccessModel> {
    const [resources, groups, policies] = await Promise.all([
      this.list("resources"),
      this.list("groups"),
      this.list("policies"),
    ]);
    return { resources, groups, policies };
  }

  /** Replaces everything (restore from a backup). */
  async replaceAll(model: AccessModel): Promise<void> {
    const current = await this.model();
    const deletes = (["resources", "groups", "policies"] as const).flatMap((k) =>
      current[k].filter((r) => !model[k].some((n) => n.name === r.name))
        .map((r) => ({ type: "delete" as const, key: ["access", k, r.name] }))
    );
    const sets = (["resources", "groups", "policies"] as const).flatMap((k) =>
      model[k].map((r) => ({ type: "set" as const, key: ["access", k, r.name], value: r }))
    );
    // Batched below the store's limits; a restore runs while no agent is served.
    const all = [...deletes, ...sets];
    const step = Math.max(1, Math.floor(this.#store.limits.maxOperationsPerCommit / 2));
    for (let i = 0; i < all.length; i += step) {
      const r = await this.#store.commit([], all.slice(i, i + step));
      if (!r.ok) throw new Error("cannot restore the access records");
    }
  }
}
