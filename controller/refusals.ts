/**
 * Where every refusal of an unauthenticated or unverified caller is recorded: one log line and
 * one audit event each, until its source (the peer's IP address) refuses faster than a token
 * bucket allows. Past that, refusals are still answered with their real status and still
 * counted in the metrics, but not logged or recorded one by one: a summary line and a
 * `refusals.suppressed` event per interval carry their count. A second, global bucket bounds
 * what many sources together can write.
 *
 * Only refusals consult the buckets: a valid request never waits for them and is never refused
 * because of them, so a burst of good enrollments from one address stays as fast as ever.
 * @module
 */
import type { Logger } from "../shared/log/logger.ts";
import type { Metrics } from "./metrics.ts";
import type { EventLog } from "./registry/events.ts";
import type { EventRecord } from "./registry/types.ts";
import { capText } from "./untrusted.ts";
import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";
import { withFailureMode } from "../shared/failure_modes/format.ts";

/** A token bucket: `burst` refusals at once, then `perSecond`. */
export interface BucketLimits {
  burst: number;
  perSecond: number;
}

/** Options of {@link RefusalRecorder}. */
export interface RefusalRecorderOptions {
  log: Logger;
  events: EventLog;
  metrics: Metrics;
  /** Per source IP; default 20 at once, then 1 a second. */
  perSource?: BucketLimits;
  /** All sources together; default 200 at once, then 20 a second. */
  global?: BucketLimits;
  /** Interval of the summary of suppressed refusals; default 10 s. */
  summaryEveryMs?: number;
  /** Sources remembered at most (the least recently refused are forgotten); default 10000. */
  maxSources?: number;
  /** Clock; default Date.now. */
  now?: () => number;
}

/** One refusal. Every text in it that came from the caller is capped before use. */
export interface Refusal {
  /** The caller's IP address, when known. */
  source: string | undefined;
  /** The audit event kind, e.g. `enrollment.refused`; undefined: a log line only. */
  kind: string | undefined;
  /** The log message, e.g. `enrollment refused`. */
  logMessage: string;
  /** The refusal as the caller was told (the event's message adds the kind's wording). */
  reason: string;
  /** Event and log fields; never `agent` for a caller whose identity was not verified. */
  fields: Partial<EventRecord>;
  /**
   * The failure mode of the refusal (1.2, 2.1, 2.3, 4.2): counted in `postern_failures_total{mode}`
   * (also when suppressed), the log line leads with `[id]`, log and event carry `failure_mode`.
   */
  failureMode?: FailureModeId;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** How many sources a summary names at most. */
const SUMMARY_SOURCES = 10;

/** Records refusals, rate-limited per source. */
export class RefusalRecorder {
  readonly #o: Required<Omit<RefusalRecorderOptions, "log" | "events" | "metrics">>;
  readonly #log: Logger;
  readonly #events: EventLog;
  readonly #metrics: Metrics;
  readonly #sources = new Map<string, Bucket>();
  #global: Bucket;
  #suppressed = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(o: RefusalRecorderOptions) {
    this.#log = o.log;
    this.#events = o.events;
    this.#metrics = o.metrics;
    this.#o = {
      perSource: o.perSource ?? { burst: 20, perSecond: 1 },
      global: o.global ?? { burst: 200, perSecond: 20 },
      summaryEveryMs: o.summaryEveryMs ?? 10_000,
      maxSources: o.maxSources ?? 10_000,
      now: o.now ?? Date.now,
    };
    this.#global = { tokens: this.#o.global.burst, at: this.#o.now() };
  }

  /**
   * Logs and records `r`, or counts it for the next summary when its source (or everyone
   * together) is over the rate. Never throws: a failing event store must not turn a refusal
   * into an internal error.
   */
  async record(r: Refusal): Promise<void> {
    const source = r.source === undefined ? "unknown" : capText(r.source, 64);
    if (r.failureMode) this.#metrics.failure(r.failureMode);
    if (!this.#admit(source)) {
      this.#metrics.inc("postern_refusals_suppressed_total");
      const key = this.#suppressed.has(source) || this.#suppressed.size < this.#o.maxSources
        ? source
        : "other";
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      this.#schedule();
      return;
    }
    const reason = capText(r.reason);
    const mode = r.failureMode ? { failure_mode: r.failureMode } : {};
    this.#log.warn(withFailureMode(r.failureMode, r.logMessage), { ...r.fields, source, reason, ...mode });
    if (r.kind === undefined) return;
    await this.#events.append(r.kind, `${r.logMessage}: ${reason}`, { ...r.fields, source, ...mode })
      .catch((e) => this.#log.error("cannot record a refusal event", { error: e }));
  }

  /** Writes the summary of the suppressed refusals now (shutdown; tests). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed.size === 0) return;
    const counts = [...this.#suppressed].sort((a, b) => b[1] - a[1]);
    this.#suppressed = new Map();
    const total = counts.reduce((n, [, c]) => n + c, 0);
    const sources = Object.fromEntries(counts.slice(0, SUMMARY_SOURCES));
    const fields = { count: total, source_count: counts.length, sources };
    this.#log.warn("refusals suppressed: their sources exceeded the refusal rate", fields);
    await this.#events.append(
      "refusals.suppressed",
      `${total} refusals from ${counts.length} sources not recorded one by one`,
      fields,
    ).catch((e) => this.#log.error("cannot record a refusal event", { error: e }));
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#o.summaryEveryMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #admit(source: string): boolean {
    const now = this.#o.now();
    let bucket = this.#sources.get(source);
    if (bucket) this.#sources.delete(source); // re-inserted below: most recent last
    else {
      bucket = { tokens: this.#o.perSource.burst, at: now };
      if (this.#sources.size >= this.#o.maxSources) {
        this.#sources.delete(this.#sources.keys().next().value!);
      }
    }
    this.#sources.set(source, bucket);
    const ok = take(bucket, this.#o.perSource, now) && take(this.#global, this.#o.global, now);
    return ok;
  }
}

function take(b: Bucket, limits: BucketLimits, now: number): boolean {
  b.tokens = Math.min(limits.burst, b.tokens + ((now - b.at) / 1000) * limits.perSecond);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}
