/**
 * One unary gRPC call on a grpc-js client made by `makeGenericClientConstructor`: the one
 * wrapper the agents and the tests share.
 * @module
 */
import type * as grpc from "@grpc/grpc-js";

/**
 * Calls `method` of `client` with `req` and a deadline `timeoutMs` from now; resolves with the
 * answer or rejects with the grpc-js `ServiceError` (its `code` and `details`). The client stays
 * open: the caller closes it.
 */
export function unaryCall<Res>(
  client: grpc.Client,
  method: string,
  req: unknown,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, unknown>)[method];
    if (typeof fn !== "function") {
      reject(new TypeError(`unknown gRPC method "${method}": the client has no such call`));
      return;
    }
    fn.call(
      client,
      req,
      { deadline: Date.now() + timeoutMs },
      (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)),
    );
  });
}
