// CPU time of this process per thread group, from /proc (Linux): where the pipeline's CPU goes
// between the JavaScript main thread, V8's helpers (GC) with libuv's pool (where chDB runs each
// query), and the embedded engine's own threads (MergeMutate = background merges, ThreadPool =
// query pipelines: writing inserted parts, reads).
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // getconf CLK_TCK on Linux

/** Seconds of CPU per thread group. Threads that ended are missing (their time is in `process`). */
export type ThreadCpu = Record<string, number>;

function group(tid: string, name: string): string {
  if (tid === String(process.pid)) return 'js main';
  if (name.startsWith('V8 ')) return 'V8 helpers';
  // In Node 20 both V8's helper threads (GC) and libuv's pool (where chDB runs each query) keep
  // the process name: one group.
  if (name === 'node' || name.startsWith('libuv')) return 'V8 + libuv';
  return name.replace(/[\d_-]+$/, '');
}

export function threadCpu(): ThreadCpu {
  const totals: ThreadCpu = {};
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    // Not Linux: only the process total below.
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      const g = group(tid, name);
      totals[g] = (totals[g] ?? 0) + seconds;
    } catch {
      // The thread ended between listing and reading.
    }
  }
  const usage = process.cpuUsage();
  totals.process = (usage.user + usage.system) / 1e6;
  return totals;
}

/** CPU seconds per group since `before`, largest first, rounded to 0.1 s. */
export function threadCpuSince(before: ThreadCpu): ThreadCpu {
  const now = threadCpu();
  const delta = Object.entries(now)
    .map(([g, s]) => [g, s - (before[g] ?? 0)] as const)
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(delta.map(([g, s]) => [g, Number(s.toFixed(1))]));
}
