// CPU time per thread of this process, from /proc (Linux): the sink's own work runs on the
// main JavaScript thread (and V8's helper threads, for garbage collection); the embedded
// ClickHouse engine runs on its own threads and libuv's pool. process.cpuUsage() mixes both.
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // getconf CLK_TCK on Linux

export interface CpuSplit {
  /** The main thread and V8's helper threads: decoding, encoding, the bus, the sink. */
  sink: number;
  /**
   * Everything else: the engine's own threads and libuv's pool, where chDB runs each query
   * (and where the RowBinary spool file is written). Pool threads keep the name "node".
   */
  engine: number;
}

function isV8Helper(name: string): boolean {
  return name.startsWith('V8 ');
}

export function cpuByThread(): CpuSplit {
  const split: CpuSplit = { sink: 0, engine: 0 };
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    const usage = process.cpuUsage();
    return { sink: (usage.user + usage.system) / 1e6, engine: 0 };
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      if (tid === String(process.pid) || isV8Helper(name)) split.sink += seconds;
      else split.engine += seconds;
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return split;
}

export function cpuSince(before: CpuSplit): CpuSplit {
  const now = cpuByThread();
  return { sink: now.sink - before.sink, engine: now.engine - before.engine };
}
