/**
 * The layout version of the controller's state, kept in the store under ["meta", "schema"]: a
 * controller refuses (exit 2) a store written in a newer layout than it understands, instead of
 * misreading it, and marks a store without the key with its own version.
 *
 * A store without the key is new, or of the previous layout (0.2.0 on Deno KV, "layout 0": the
 * records of version 1 plus the obsolete `registry/agents_rev` u64 counter). The previous layout
 * is migrated once, under a lease-held lock (`meta/migration`): of several controllers starting
 * together on one store, one migrates and logs `store migrated`, the others wait for its schema
 * record. A migrating controller that dies lets its lock go with its lease; the next one migrates
 * (every step is idempotent).
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { VERSION } from "../../shared/version.ts";
import type { Logger } from "../../shared/log/logger.ts";
import type { Store, StoreKey } from "./store.ts";

/** The store key of the schema record. */
export const SCHEMA_KEY: StoreKey = ["meta", "schema"];

/** The lock a migrating controller holds, under its lease. */
export const MIGRATION_KEY: StoreKey = ["meta", "migration"];

/** The counter of layout 0 (0.2.0): version 1 reads the registry by watch and drops it. */
export const OBSOLETE_AGENTS_REV: StoreKey = ["registry", "agents_rev"];

/** Prefixes whose entries show a store holds state already (of layout 0 when it has no schema record). */
const STATE_PREFIXES: StoreKey[] = [["agents"], ["events"], ["tokens"], ["registry"]];

/** The layout this release reads and writes. */
export const SCHEMA_VERSION = 1;

/** The schema record. */
export interface SchemaRecord {
  /** The layout version, a whole number from 1. */
  version: number;
  /** The Postern release that wrote the record. */
  written_by: string;
}

/** Whether `value` is a schema record. */
function isSchemaRecord(value: unknown): value is SchemaRecord {
  const v = value as SchemaRecord | null;
  return typeof v === "object" && v !== null && Number.isInteger(v.version) && v.version >= 1 &&
    typeof v.written_by === "string";
}

/**
 * The refusal of a store whose schema record is newer than {@link SCHEMA_VERSION} (or is not a
 * schema record), or undefined when this release can use it. `holder` names where the record is.
 */
export function schemaProblem(value: unknown, holder = "the store"): string | undefined {
  if (!isSchemaRecord(value)) {
    return `${holder}'s schema record (${SCHEMA_KEY.join("/")}) holds ${
      JSON.stringify(value)
    }, which Postern did not write: point CONTROLLER_STORE (or ETCD_PREFIX) at the controller's own state`;
  }
  if (value.version > SCHEMA_VERSION) {
    return `${holder} holds schema version ${value.version} (written by Postern ${
      JSON.stringify(value.written_by)
    }); this controller (Postern ${VERSION}) understands schema version ${SCHEMA_VERSION} at most: run a release at least as new as the one that wrote it`;
  }
  return undefined;
}

/** Options of {@link ensureSchema}. */
export interface EnsureSchemaOptions {
  /** Told of a migration (`store migrated`); default: not logged. */
  log?: Logger;
  /** How long to wait for another controller's migration; default 60 s. */
  waitMs?: number;
  /** The lock's lease; default 10 s. */
  lockTtlMs?: number;
}

/**
 * Checks the store's schema before anything reads it: a newer or foreign schema record is a
 * ConfigError (exit 2); a missing one is written, after migrating a store of the previous layout
 * under the migration lock (one controller migrates, the others wait). Returns the version in force.
 */
export async function ensureSchema(store: Store, o: EnsureSchemaOptions = {}): Promise<number> {
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  while (true) {
    const entry = await store.get<SchemaRecord>(SCHEMA_KEY);
    if (entry.version !== null) {
      const problem = schemaProblem(entry.value);
      if (problem) throw new ConfigError(problem);
      return entry.value.version;
    }
    const lease = await store.grantLease(o.lockTtlMs ?? 10_000);
    try {
      const locked = await store.commit([{ key: MIGRATION_KEY, version: null }], [
        { type: "set", key: MIGRATION_KEY, value: { by: VERSION, at: Date.now() }, lease },
      ]);
      if (locked.ok) {
        // Another may have finished between our read and our lock.
        if ((await store.get(SCHEMA_KEY)).version === null) await migrate(store, o.log);
        continue;
      }
    } finally {
      await lease.revoke().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another controller holds the store's migration lock (${
          MIGRATION_KEY.join("/")
        }) and has not finished: try again`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Layout 0 (or a new store) to version 1, then the schema record. Runs under the lock. */
async function migrate(store: Store, log: Logger | undefined): Promise<void> {
  const counter = await store.get(OBSOLETE_AGENTS_REV);
  let previous = counter.version !== null;
  for (const prefix of STATE_PREFIXES) {
    if (previous) break;
    for await (const _ of store.list(prefix, { limit: 1 })) previous = true;
  }
  const record: SchemaRecord = { version: SCHEMA_VERSION, written_by: VERSION };
  const res = await store.commit([{ key: SCHEMA_KEY, version: null }], [
    ...(counter.version !== null ? [{ type: "delete" as const, key: OBSOLETE_AGENTS_REV }] : []),
    { type: "set", key: SCHEMA_KEY, value: record },
  ]);
  // Under the lock nobody else writes the record: a refusal means the lock was not held.
  if (!res.ok) {
    throw new Error(
      `the store's schema record (${
        SCHEMA_KEY.join("/")
      }) was written during this migration: another controller migrated without holding ${
        MIGRATION_KEY.join("/")
      }`,
    );
  }
  if (previous) {
    log?.info("store migrated", {
      from_schema: 0,
      to_schema: SCHEMA_VERSION,
      dropped: OBSOLETE_AGENTS_REV.join("/"),
    });
  }
}
