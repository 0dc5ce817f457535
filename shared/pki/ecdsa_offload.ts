/**
 * ECDSA P-256 signing and verification, on a worker thread once {@link startEcdsaWorker} ran,
 * else on the calling thread. In Deno 2.9 a WebCrypto ECDSA call blocks the thread that makes it
 * for about 0.7 ms (the work itself runs on a runtime thread while the caller waits), which was
 * a third of an enrollment's event-loop time; the controller moves both to a worker and its
 * event loop serves gRPC, KV and the admin API meanwhile. The results are the same either way;
 * a worker that fails is dropped and the work done on the calling thread instead.
 * @module
 */

/** A request to the worker. */
type EcdsaRequest =
  | { op: "key"; id: number; pkcs8: Uint8Array<ArrayBuffer> }
  | { op: "sign"; seq: number; key: number; data: Uint8Array<ArrayBuffer> }
  | {
    op: "verify";
    seq: number;
    spki: Uint8Array<ArrayBuffer>;
    hash: string;
    signature: Uint8Array<ArrayBuffer>;
    data: Uint8Array<ArrayBuffer>;
  };

/** The worker's answer to a `sign` or `verify` request. */
type EcdsaResponse =
  | { seq: number; ok: true; signature?: Uint8Array<ArrayBuffer>; valid?: boolean }
  | { seq: number; ok: false; error: string };

/**
 * The worker's whole program. It runs from a blob URL (its source is this function's text), so
 * it needs no read permission and no file beside a compiled binary, and it imports nothing. It
 * holds the signing keys it was sent (as PKCS#8) under the id the main thread gave them.
 */
function workerMain(): void {
  const scope = self as unknown as {
    onmessage: (e: MessageEvent<EcdsaRequest>) => void;
    postMessage(m: EcdsaResponse, transfer?: Transferable[]): void;
  };
  const ec = { name: "ECDSA", namedCurve: "P-256" };
  const keys = new Map<number, Promise<CryptoKey>>();
  scope.onmessage = async (e) => {
    const m = e.data;
    if (m.op === "key") {
      keys.set(m.id, crypto.subtle.importKey("pkcs8", m.pkcs8, ec, false, ["sign"]));
      return;
    }
    try {
      if (m.op === "sign") {
        const key = keys.get(m.key);
        if (key === undefined) throw new Error(`unknown signing key ${m.key}`);
        const signature = new Uint8Array(
          await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, await key, m.data),
        );
        scope.postMessage({ seq: m.seq, ok: true, signature }, [signature.buffer]);
      } else {
        const key = await crypto.subtle.importKey("spki", m.spki, ec, false, ["verify"]);
        const valid = await crypto.subtle.verify({ name: "ECDSA", hash: m.hash }, key, m.signature, m.data);
        scope.postMessage({ seq: m.seq, ok: true, valid });
      }
    } catch (err) {
      scope.postMessage({ seq: m.seq, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
}

interface Pending {
  resolve(r: EcdsaResponse): void;
  fallback(): void;
}

interface Offload {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The id each key has on the worker, once its PKCS#8 was posted (concurrent first uses share one promise). */
  keyIds: WeakMap<CryptoKey, Promise<number>>;
}

let offload: Offload | undefined;
let seq = 0;
let nextKeyId = 0;

/**
 * Starts the worker (idempotent). For a long-running program: the worker lives until
 * {@link stopEcdsaWorker}. Where no worker can start, the work stays on the calling thread.
 */
export function startEcdsaWorker(): void {
  if (offload !== undefined) return;
  let worker: Worker;
  const url = URL.createObjectURL(new Blob([`(${workerMain.toString()})();`], { type: "text/javascript" }));
  try {
    worker = new Worker(url, { type: "module" });
  } catch {
    return;
  } finally {
    URL.revokeObjectURL(url);
  }
  const o: Offload = { worker, pending: new Map(), keyIds: new WeakMap() };
  worker.onmessage = (e: MessageEvent<EcdsaResponse>) => {
    const p = o.pending.get(e.data.seq);
    if (p === undefined) return;
    o.pending.delete(e.data.seq);
    p.resolve(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    drop(o);
  };
  offload = o;
}

/** Stops the worker; later calls sign and verify on the calling thread. */
export function stopEcdsaWorker(): void {
  if (offload !== undefined) drop(offload);
}

/** True while a worker does the work. */
export function ecdsaWorkerRunning(): boolean {
  return offload !== undefined;
}

function drop(o: Offload): void {
  if (offload === o) offload = undefined;
  o.worker.terminate();
  const pending = [...o.pending.values()];
  o.pending.clear();
  for (const p of pending) p.fallback();
}

function call<T>(
  o: Offload,
  msg: EcdsaRequest & { seq: number },
  here: () => Promise<T>,
  pick: (r: EcdsaResponse & { ok: true }) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fallback = () => here().then(resolve, reject);
    o.pending.set(msg.seq, {
      resolve: (r) => r.ok ? resolve(pick(r)) : reject(new Error(r.error)),
      fallback,
    });
    try {
      o.worker.postMessage(msg);
    } catch {
      o.pending.delete(msg.seq);
      fallback();
    }
  });
}

const SIGN = { name: "ECDSA", hash: "SHA-256" };

/**
 * ECDSA P-256 with SHA-256 over `data`: the 64-byte r‖s. A key that is not extractable is used
 * on the calling thread (the worker gets keys as PKCS#8).
 */
export async function ecdsaSign(
  key: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const here = async () => new Uint8Array(await crypto.subtle.sign(SIGN, key, data));
  const o = offload;
  if (o === undefined || !key.extractable) return await here();
  let registered = o.keyIds.get(key);
  if (registered === undefined) {
    // Every caller awaits the same registration: a sign posted before the key would be refused.
    const id = ++nextKeyId;
    registered = crypto.subtle.exportKey("pkcs8", key).then((exported) => {
      const pkcs8 = new Uint8Array(exported);
      o.worker.postMessage({ op: "key", id, pkcs8 } satisfies EcdsaRequest, [pkcs8.buffer]);
      return id;
    });
    o.keyIds.set(key, registered);
  }
  const id = await registered;
  return await call(
    o,
    { op: "sign", seq: ++seq, key: id, data },
    here,
    (r) => r.signature ?? new Uint8Array(0),
  );
}

/** Verifies an ECDSA P-256 signature (r‖s) over `data` by `key`, whose SubjectPublicKeyInfo is `spki`. */
export async function ecdsaVerify(
  key: CryptoKey,
  spki: Uint8Array<ArrayBuffer>,
  hash: string,
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const here = () => crypto.subtle.verify({ name: "ECDSA", hash }, key, signature, data);
  const o = offload;
  if (o === undefined) return await here();
  return await call(
    o,
    { op: "verify", seq: ++seq, spki, hash, signature, data },
    here,
    (r) => r.valid === true,
  );
}
