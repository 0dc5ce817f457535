/**
 * Internal: the smallest Reflect metadata polyfill that tsyringe (a dependency of
 * @peculiar/x509) needs to load. Must be imported before `@peculiar/x509`.
 * @module
 */

type MetaMap = Map<unknown, unknown>;
const store = new WeakMap<object, Map<PropertyKey | undefined, MetaMap>>();

function metaFor(target: object, key: PropertyKey | undefined, create: boolean): MetaMap | undefined {
  let byKey = store.get(target);
  if (byKey === undefined) {
    if (!create) return undefined;
    byKey = new Map();
    store.set(target, byKey);
  }
  let m = byKey.get(key);
  if (m === undefined && create) {
    m = new Map();
    byKey.set(key, m);
  }
  return m;
}

// deno-lint-ignore no-explicit-any
const R = Reflect as any;
if (typeof R.getMetadata !== "function") {
  R.defineMetadata = (k: unknown, v: unknown, target: object, p?: PropertyKey) => {
    metaFor(target, p, true)!.set(k, v);
  };
  R.getOwnMetadata = (k: unknown, target: object, p?: PropertyKey) => metaFor(target, p, false)?.get(k);
  R.hasOwnMetadata = (k: unknown, target: object, p?: PropertyKey) =>
    metaFor(target, p, false)?.has(k) ?? false;
  R.getMetadata = (k: unknown, target: object, p?: PropertyKey): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t)) {
      const m = metaFor(t, p, false);
      if (m?.has(k)) return m.get(k);
    }
    return undefined;
  };
  R.hasMetadata = (k: unknown, target: object, p?: PropertyKey) => R.getMetadata(k, target, p) !== undefined;
  R.metadata = (k: unknown, v: unknown) => (target: object, p?: PropertyKey) =>
    R.defineMetadata(k, v, target, p);
}
