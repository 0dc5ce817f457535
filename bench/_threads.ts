/**
 * CPU per thread of the processes of a benchmark while a load runs: which thread is the limit
 * (one at 100 % of a core) or whether the machine is (no idle left). Linux only (/proc).
 * @module
 */

/** CPU ticks (utime + stime) of every thread of each process, keyed "process/tid name". */
type Ticks = Map<string, number>;

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, 100 on Linux). */
const HZ = 100;

function threadTicks(pids: Record<string, number>): Ticks {
  const ticks: Ticks = new Map();
  for (const [name, pid] of Object.entries(pids)) {
    let tasks: Deno.DirEntry[];
    try {
      tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch {
      continue; // the process has exited
    }
    for (const t of tasks) {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks.set(`${name}/${t.name} ${comm}`, Number(f[11]) + Number(f[12]));
      } catch { /* the thread has exited */ }
    }
  }
  return ticks;
}

function machineTicks(): { idle: number; total: number } {
  const f = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
}

/** What {@link sampleThreads} reports. */
export interface ThreadLoad {
  /** Threads busier than 3 % of one core, as percent of one core, busiest first. */
  threads: Record<string, number>;
  /** Share of the whole machine's CPU time that was idle (all cores). */
  machine_idle_percent: number;
}

/**
 * Samples the threads of `pids` every 200 ms (a process that exits before the end, such as
 * the load generator, keeps its last sample) until `done` settles; resolves with its value and
 * the load of each thread over that time.
 */
export async function sampleThreads<T>(
  pids: Record<string, number>,
  done: Promise<T>,
): Promise<{ value: T; load: ThreadLoad }> {
  const before = threadTicks(pids), idle0 = machineTicks(), t0 = performance.now();
  let after = before, seconds = 0;
  const sample = () => {
    after = new Map([...after, ...threadTicks(pids)]);
    seconds = (performance.now() - t0) / 1000;
  };
  const timer = setInterval(sample, 200);
  let value: T;
  try {
    value = await done;
  } finally {
    clearInterval(timer);
  }
  if (seconds === 0) sample();
  const idle1 = machineTicks();
  const rows = [...after]
    .map(([k, v]) => [k, Math.round((v - (before.get(k) ?? 0)) / HZ / seconds * 100)] as const)
    .filter(([, percent]) => percent >= 3)
    .sort((a, b) => b[1] - a[1]);
  return {
    value,
    load: {
      threads: Object.fromEntries(rows),
      machine_idle_percent: Math.round(
        (idle1.idle - idle0.idle) / Math.max(1, idle1.total - idle0.total) * 100,
      ),
    },
  };
}
