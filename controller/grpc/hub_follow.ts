/**
 * Changes made through another controller sharing the store reach the streams of this one: the
 * hub follows the store's policy and revocation keys by watch (not polling) and pushes what
 * changed to the connectors connected here, as the controller that made the change did to its
 * own. A resync (the watch lost track) pushes the configuration to every stream. Only a shared
 * store (etcd) needs it; a stream here may then get a change twice, which it applies idempotently.
 * @module
 */
import type { Store, Watch, WatchEvent } from "../store/store.ts";
import { REVOKED_PREFIX } from "../registry/revoked.ts";
import type { RevokedCertificateRecord } from "../registry/types.ts";
import type { StreamHub } from "./hub.ts";

/** The policy prefixes: a change under either changes one connector's configuration. */
const POLICY_PREFIXES = [["allowlists"], ["resources"]] as const;

/** The reason a connector revoked through another controller is given when its stream ends here. */
export const REVOKED_ELSEWHERE = "revoked by the operator";

/** Follows the store for `hub` until the returned watch is closed. */
export function followStore(store: Store, hub: StreamHub, onError: (e: unknown) => void = () => {}): Watch {
  const watches: Watch[] = [];
  const pushAll = () => void hub.pushConfig().catch(onError);
  for (const prefix of POLICY_PREFIXES) {
    watches.push(store.watch(prefix, {
      onEvents: (events) => {
        for (const id of new Set(events.map((e) => e.key[1]).filter((k) => k !== undefined))) {
          void hub.pushConfig(id).catch(onError);
        }
      },
      onResync: pushAll,
    }));
  }
  watches.push(store.watch(REVOKED_PREFIX, {
    onEvents: (events) => applyRevocations(hub, events, onError),
    onResync: pushAll,
  }));
  return {
    close() {
      for (const w of watches) w.close();
    },
  };
}

function applyRevocations(hub: StreamHub, events: WatchEvent[], onError: (e: unknown) => void): void {
  const records = events.filter((e) => e.type === "put" && isRecord(e.value)).map((e) =>
    e.value as RevokedCertificateRecord
  );
  if (records.length === 0) return;
  hub.pushRevoked(records);
  for (const r of records) {
    if (r.cause !== "revoked") continue;
    if (r.role === "connector") hub.revoke(r.id, r.spiffeId, REVOKED_ELSEWHERE);
    else void hub.pushConfigForTunneler(r.id).catch(onError);
  }
}

function isRecord(v: unknown): v is RevokedCertificateRecord {
  const r = v as Partial<RevokedCertificateRecord> | null;
  return typeof r === "object" && r !== null && typeof r.id === "string" && typeof r.spiffeId === "string" &&
    (r.role === "connector" || r.role === "tunneler");
}
