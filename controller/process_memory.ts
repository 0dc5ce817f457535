/**
 * The controller's memory as Prometheus gauges: resident set, V8 heap (total and used) and the
 * memory outside the heap that JavaScript objects hold (`external`: TLS and socket buffers among it).
 * @module
 */
import type { Metrics } from "./metrics.ts";

/** Exports `postern_process_memory_bytes{kind}` (`rss`, `heap_total`, `heap_used`, `external`). */
export function exportProcessMemory(metrics: Metrics): void {
  metrics.gauge(
    "postern_process_memory_bytes",
    "memory of the controller process by kind: rss, heap_total, heap_used (V8), external",
    () => {
      const m = Deno.memoryUsage();
      return [
        [{ kind: "rss" }, m.rss],
        [{ kind: "heap_total" }, m.heapTotal],
        [{ kind: "heap_used" }, m.heapUsed],
        [{ kind: "external" }, m.external],
      ];
    },
  );
}
