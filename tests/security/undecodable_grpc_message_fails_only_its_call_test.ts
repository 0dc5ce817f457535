/**
 * The controller's gRPC services decode through grpc-js, which catches a decoder's throw and
 * fails that one call with INTERNAL `Error deserializing request`; a request larger than
 * 64 KiB (grpc-js allowed 4 MiB) fails with RESOURCE_EXHAUSTED before any handler runs. The
 * controller serves on, and a real agent still enrolls.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { tempDir } from "../support/paths.ts";
import { EnrollmentService, EnrollRequest } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import { startCluster } from "../agents/_cluster.ts";
import { freePort } from "../support/ports.ts";
import { grpcClient, rawUnary } from "./_hostile_peer.ts";

Deno.test("an undecodable or oversized Enroll fails that call only; the controller keeps enrolling", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  const client = grpcClient(c.grpcAddr, await Deno.readTextFile(c.caCert));
  try {
    const path = EnrollmentService.enroll.path;
    assert.deepEqual(await rawUnary(client, path, Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41])), {
      code: grpc.status.INTERNAL,
      details: "Error deserializing request",
    });
    // A well-formed request, just too large: refused before the handler reads it.
    const big = EnrollRequest.encode({
      token: "x".repeat(70 * 1024),
      role: "tunneler",
      id: "big",
      csrPem: "",
      privateIp: "",
      version: "",
    }).finish();
    const refused = await rawUnary(client, path, big);
    assert.deepEqual(refused.code, grpc.status.RESOURCE_EXHAUSTED, refused.details);
    // The same channel and the controller serve the next call, and a real agent enrolls.
    assert.deepEqual(
      (await rawUnary(client, path, Uint8Array.from([0x12, 0x7f]))).details,
      "Error deserializing request",
    );
    await c.runConnector("c1", freePort());
    assert.deepEqual(await Promise.race([c.controller.exited, Promise.resolve("running")]), "running");
  } finally {
    client.close();
    await c.close();
  }
});
