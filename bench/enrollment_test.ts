/**
 * The smoke version of bench/enrollment.ts: a few enrollments with each load client, so that
 * neither rots. It asserts that the figures are there, never how fast anything was.
 */
import assert from "node:assert/strict";
import { runEnrollmentBench } from "./enrollment.ts";

const cCore = await new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import grpc"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

for (const client of ["deno", "c-core"] as const) {
  Deno.test({
    name:
      `bench/enrollment.ts with the ${client} client enrolls every caller and reports CPU per thread and of the client`,
    ignore: client === "c-core" && !cCore,
    sanitizeResources: false,
    async fn() {
      const f = await runEnrollmentBench({ n: 12, concurrency: 4, sign: 5, opensslSeconds: 1, client });
      assert.equal(f.client, client);
      assert.equal(f.failed, 0, f.first_error ?? "");
      assert.equal(f.enrolled, 12);
      assert.ok(f.per_second > 0);
      assert.ok(f.controller_threads_ms_per_enrollment.main! > 0, JSON.stringify(f));
      assert.ok(f.client_cpu_ms_per_enrollment > 0, JSON.stringify(f));
    },
  });
}
