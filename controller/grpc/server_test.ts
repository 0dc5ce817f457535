import assert from "node:assert/strict";
import { ControlPlaneService } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { EnrollmentService } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import { METHOD_POLICIES } from "./server.ts";

Deno.test("METHOD_POLICIES covers every RPC the controller serves, and only Enroll is open", () => {
  const served = [...Object.values(EnrollmentService), ...Object.values(ControlPlaneService)].map((m) =>
    m.path
  );
  assert.deepEqual(Object.keys(METHOD_POLICIES).sort(), served.sort());
  const open = Object.entries(METHOD_POLICIES).filter(([, p]) => "anyone" in p).map(([path]) => path);
  assert.deepEqual(open, [EnrollmentService.enroll.path]);
});
