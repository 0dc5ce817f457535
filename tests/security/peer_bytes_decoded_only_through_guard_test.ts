/**
 * The seam that keeps a malformed message from killing a process: program code decodes peer
 * bytes only through `decodeFrame()` / `readMessage()` (shared/dataplane/framing.ts), which turn any
 * decoder throw into a MalformedFrameError that ends one session. A direct `Message.decode(`
 * outside it is how the connector crash of the review happened; this test finds any new one.
 * (gRPC messages are decoded by grpc-js, which catches a decoder's throw per call.)
 */
import assert from "node:assert/strict";
import { sourceLinesMatching } from "../support/sources.ts";

const SKIP = [/_test\.ts$/, /^shared\/proto\/gen\//, /^shared\/dataplane\/framing\.ts$/];

Deno.test("program code decodes peer messages only through decodeFrame() or readMessage()", async () => {
  assert.deepEqual(await sourceLinesMatching(/\b[A-Z][A-Za-z0-9]*\.decode\(/, SKIP), []);
});
