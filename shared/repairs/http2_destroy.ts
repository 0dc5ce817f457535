/**
 * Works around a use-after-free in Deno 2.9's `node:http2` (nghttp2 bindings) that kills the
 * whole process with SIGSEGV or the nghttp2 assertion `stream->closed_next == NULL`
 * (upstream: denoland/deno#36788).
 *
 * When a session receives GOAWAY, the runtime calls the JS `goaway` handling synchronously from
 * inside nghttp2's frame processing. Node's logic there calls `session.close()`, and when no
 * stream is left that destroys the session at once, which frees the nghttp2 session; nghttp2
 * then goes on walking the freed stream map. Every one-shot gRPC call whose client closes its
 * channel can trigger it on the server (a client `close()` sends GOAWAY), and a server that
 * stops can trigger it on its clients.
 *
 * The repair defers `Http2Session.prototype.destroy` to the next turn of the event loop, after
 * nghttp2 has returned. Node's own code looks `destroy` up on the session each time, so the
 * deferral covers every path; a second call is a no-op, as it was.
 * @module
 */
import http2 from "node:http2";

type Destroy = (this: { destroyed: boolean }, ...args: unknown[]) => void;
interface SessionPrototype {
  destroy: Destroy;
  [REPAIRED]?: true;
}

const REPAIRED = Symbol.for("postern.http2DestroyRepaired");

/**
 * Installs the repair once per process. Returns false when this runtime has no
 * `Http2Session` export to patch (another runtime: nothing to repair).
 */
export function repairHttp2SessionDestroy(): boolean {
  const session = (http2 as unknown as { Http2Session?: { prototype: SessionPrototype } }).Http2Session;
  if (!session || typeof session.prototype.destroy !== "function") return false;
  const proto = session.prototype;
  if (proto[REPAIRED]) return true;
  const destroyNow = proto.destroy;
  proto.destroy = function (...args: unknown[]) {
    if (this.destroyed) return;
    setImmediate(() => destroyNow.apply(this, args));
  };
  proto[REPAIRED] = true;
  return true;
}
