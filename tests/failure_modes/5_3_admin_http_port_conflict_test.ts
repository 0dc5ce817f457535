/**
 * Failure mode 5.3: the admin HTTP port (or the gRPC port) is held by another process. The
 * controller exits 1 with `bind: address already in use` naming the variable and port, and leaves
 * its state as it was; doctor fails 5.3 for a port another process holds, and does not count a
 * port held by this very controller (seen through its /readyz) as a conflict.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { prepareController } from "../support/controller.ts";
import { assertFatalWith, controllerRefusesToStart, doctorJson } from "./_symptom.ts";

Deno.test('5.3 a controller whose ADMIN_HTTP_ADDR or CONTROLLER_GRPC_ADDR is taken exits 1 with "[5.3] ... bind: address already in use"; doctor tells another process from itself', async () => {
  await using dir = await tempDir();
  const tc = await prepareController(dir.path);
  const fatal: [string[], string][] = [];
  for (const name of ["ADMIN_HTTP_ADDR", "CONTROLLER_GRPC_ADDR"] as const) {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (busy.addr as Deno.NetAddr).port;
      const env = { ...tc.env, [name]: `127.0.0.1:${port}` };
      const { lines, finding: f } = await controllerRefusesToStart(env, {
        code: 1,
        text: `[5.3] bind: address already in use: ${name} 127.0.0.1:${port} is taken`,
        id: "5.3",
      });
      fatal.push([lines, name]);
      assert.ok(f.what.includes(`${name} :${port}: bind: address already in use`), f.what);
      assert.ok(f.remedy.includes(`sport = :${port}`), f.remedy);
    } finally {
      busy.close();
    }
  }
  // The same ports held by this controller itself: not a conflict.
  const controller = await tc.start();
  try {
    const doctor = await doctorJson("controller", { ...tc.env });
    const ports = doctor.findings.filter((f) => f.id === "5.3");
    assert.deepEqual(ports.length, 2, JSON.stringify(doctor.findings));
    assert.ok(ports.every((f) => f.ok && f.what.includes("held by this controller")), JSON.stringify(ports));
  } finally {
    await controller.stop();
  }
  for (const [lines, name] of fatal) assertFatalWith(lines, "controller", "5.3", `${name} 127.0.0.1:`);
});
