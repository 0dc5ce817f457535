/**
 * The V8 flags every launch of the controller uses: `deno task controller` (deno.json),
 * the binary `deno task compile` builds (`shared/build/compile.sh` bakes them in) and the bench's
 * controllers. `v8_flags_test.ts` keeps those three equal to this list.
 *
 * - `--no-memory-reducer`: V8's memory reducer, once the allocation rate drops, compacts the
 *   whole heap in one pause: about a second at 10,000 agents (`Mark-Compact (reduce) 584 -> 237
 *   MB, 1121 ms`), during which no heartbeat, handshake or admin request is served. Without it
 *   the heap is still collected as it grows (incremental marking, pauses of tens of ms); it is
 *   only not shrunk when the controller goes quiet.
 * - `--max-old-space-size`: the bound of the old generation, MiB: the heap cannot grow past it
 *   (near it V8 collects more often; past it the process ends and systemd restarts it). See
 *   docs/operations.md for the sizing per agent.
 * @module
 */

/** The flags, in the order V8 gets them. */
export const CONTROLLER_V8_FLAGS = ["--no-memory-reducer", "--max-old-space-size=512"] as const;

/** The flags as one `deno run` / `deno compile` argument. */
export const CONTROLLER_V8_FLAGS_ARG = `--v8-flags=${CONTROLLER_V8_FLAGS.join(",")}`;
