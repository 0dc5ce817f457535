/**
 * The layout version of the controller's state, kept in the store under ["meta", "schema"]: a
 * controller refuses (exit 2) a store written in a newer layout than it understands, instead of
 * misreading it, and marks a store without the key (new, or written before the key existed, which
 * is the layout of version 1) with its own version.
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { VERSION } from "../../shared/version.ts";
import type { Store, StoreKey } from "./store.ts";

/** The store key of the schema record. */
export const SCHEMA_KEY: StoreKey = ["meta", "schema"];

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

/**
 * Checks the store's schema before anything reads it: a newer or foreign schema record is a
 * ConfigError (exit 2); a missing one is written (checked against a concurrent writer: another
 * controller starting at the same time). Returns the version in force.
 */
export async function ensureSchema(store: Store): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<SchemaRecord>(SCHEMA_KEY);
    if (entry.version !== null) {
      const problem = schemaProblem(entry.value);
      if (problem) throw new ConfigError(problem);
      return entry.value.version;
    }
    const record: SchemaRecord = { version: SCHEMA_VERSION, written_by: VERSION };
    const res = await store.commit([{ key: SCHEMA_KEY, version: null }], [
      { type: "set", key: SCHEMA_KEY, value: record },
    ]);
    if (res.ok) return SCHEMA_VERSION;
  }
  throw new Error("could not write the store's schema record: too many concurrent writes");
}
