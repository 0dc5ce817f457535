import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { unaryCall } from "./unary.ts";

Deno.test("unaryCall() rejects a method the client does not have, naming it", async () => {
  const Client = grpc.makeGenericClientConstructor({}, "Nothing");
  const client = new Client("127.0.0.1:1", grpc.credentials.createInsecure());
  try {
    await assert.rejects(
      unaryCall(client, "enroll", {}, 1_000),
      (e: Error) =>
        e instanceof TypeError && e.message === `unknown gRPC method "enroll": the client has no such call`,
    );
  } finally {
    client.close();
  }
});
