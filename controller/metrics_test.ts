import assert from "node:assert/strict";
import { CONTROLLER_FAILURE_MODES, MAX_SERIES_PER_METRIC, Metrics } from "./metrics.ts";

Deno.test("Metrics renders every enrollment refusal reason from the start, at zero", () => {
  const text = new Metrics().render();
  for (const reason of ["too_large", "bad_request", "invalid_token", "already_enrolled"]) {
    assert.match(text, new RegExp(`postern_enrollment_refusals_total\\{reason="${reason}"\\} 0\\n`));
  }
  assert.match(text, /postern_refusals_suppressed_total 0\n/);
});

Deno.test("Metrics drops label sets past MAX_SERIES_PER_METRIC and counts them", () => {
  const m = new Metrics();
  for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) {
    m.inc("postern_renewals_total", { role: `r${i}` });
    m.observe(`/route/${i}`, 0.001);
  }
  assert.equal(m.value("postern_metric_series_dropped_total"), 100);
  assert.equal(m.value("postern_renewals_total", { role: "r0" }), 1);
  m.inc("postern_renewals_total", { role: "r0" });
  assert.equal(m.value("postern_renewals_total", { role: "r0" }), 2, "existing series still count");
  const text = m.render();
  assert.equal(
    text.split("\n").filter((l) => l.startsWith("postern_renewals_total{")).length,
    MAX_SERIES_PER_METRIC,
  );
});

Deno.test("Metrics pre-declares postern_failures_total at 0 for each failure mode the controller detects", () => {
  const m = new Metrics();
  const text = m.render();
  for (const mode of CONTROLLER_FAILURE_MODES) {
    assert.match(text, new RegExp(`^postern_failures_total\\{mode="${mode.replace(".", "\\.")}"\\} 0$`, "m"));
  }
  m.failure("4.2");
  assert.match(m.render(), /^postern_failures_total\{mode="4\.2"\} 1$/m);
  assert.match(text, /^# TYPE postern_failures_total counter$/m);
});
