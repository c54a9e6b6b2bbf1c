/**
 * Publish throughput of the in-process bus, memory only against durable (segment files,
 * fdatasync before publish resolves), on the embedded mode's spans workload: ~1.5 KiB random
 * values keyed over 10,000 sessions, 12 partitions, publish calls of 512 messages (an OTLP
 * export), a consumer group reading and committing every batch (as the sink does), and a group
 * that joined first and never commits, so every record stays retained (within the partition
 * bounds) and the durable run ends by timing a restart that reads them all back.
 *
 *   npm run bench:durable -w @tracebar/bus
 *   BENCH_MESSAGES=200000 BENCH_CONCURRENCY=1,4,16 BENCH_ROUNDS=3 npm run bench:durable -w @tracebar/bus
 *
 * Every run is its own child process (CPU time and GC its own); modes alternate within each
 * round so that the shared machine's load hits both alike. CPU is the process's (all threads:
 * the fdatasyncs run on libuv's pool).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryBus, type OutgoingMessage } from '../src/index.js';

const total = Number(process.env.BENCH_MESSAGES ?? 100_000);
const valueBytes = Number(process.env.BENCH_VALUE_BYTES ?? 1536);
const batchSize = Number(process.env.BENCH_BATCH ?? 512);
const partitions = Number(process.env.BENCH_PARTITIONS ?? 12);
const keys = Number(process.env.BENCH_KEYS ?? 10_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,4').split(',').map(Number);

type Mode = 'memory' | 'durable';

interface RunResult {
  mode: Mode;
  concurrency: number;
  messages: number;
  seconds: number;
  cpuUsPerMessage: number;
  systemUsPerMessage: number;
  p50Ms: number;
  p99Ms: number;
  datasyncs: number;
  /** Bytes in the bus directory at the end (the `reader` group holds everything). */
  diskBytes: number;
  consumed: number;
  /** Durable only: a new bus on the same files, reading back every record (none committed). */
  reloadMs?: number;
}

async function runOne(mode: Mode, concurrency: number): Promise<RunResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tracebar-bus-bench-'));
  // Count fdatasyncs: one per partition written per group commit.
  let datasyncs = 0;
  const probe = await open(path.join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const datasync = proto.datasync;
  proto.datasync = function (this: unknown) {
    datasyncs++;
    return datasync.call(this);
  };

  const bus = createMemoryBus({ ...(mode === 'durable' ? { durable: { dir: path.join(dir, 'bus') } } : {}), maxInFlightBytes: 256 * 1_048_576 });
  await bus.ensureTopics([{ name: 'spans', partitions, retentionMs: 3_600_000, maxMessageBytes: 1_048_576 }]);
  // A group that joined and never commits (a stalled consumer): every record stays retained.
  await (await bus.subscribe({ group: 'reader', topics: ['spans'], handler: () => Promise.resolve() })).close();
  let consumed = 0;
  const consumer = await bus.subscribe({
    group: 'sink',
    topics: ['spans'],
    handler: async (batch) => {
      consumed += batch.records.length;
      await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }]);
    },
  });

  const pool = randomBytes(valueBytes * 64);
  const batches: OutgoingMessage[][] = [];
  for (let id = 0; id < total; id += batchSize) {
    const batch: OutgoingMessage[] = [];
    for (let i = id; i < Math.min(total, id + batchSize); i++) {
      const at = (i * 131) % (valueBytes * 63);
      batch.push({ key: `default/session-${(i * 7919) % keys}`, value: Buffer.from(pool.subarray(at, at + valueBytes)) });
    }
    batches.push(batch);
  }

  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const t = performance.now();
        await bus.publish('spans', batches[b] as OutgoingMessage[], { timeoutMs: 60_000 });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const deadline = Date.now() + 60_000;
  while (consumed < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 200));
  await bus.close();
  proto.datasync = datasync;
  let reloadMs: number | undefined;
  if (mode === 'durable') {
    // Start-up: the `reader` group committed nothing, so a new bus reads every record back.
    const began = performance.now();
    const reopened = createMemoryBus({ durable: { dir: path.join(dir, 'bus') } });
    await reopened.ensureTopics([{ name: 'spans', partitions, retentionMs: 3_600_000, maxMessageBytes: 1_048_576 }]);
    reloadMs = performance.now() - began;
    await reopened.close();
  }
  const diskBytes = await du(path.join(dir, 'bus')).catch(() => 0);
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    mode,
    concurrency,
    messages: total,
    seconds,
    cpuUsPerMessage: (used.user + used.system) / total,
    systemUsPerMessage: used.system / total,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    datasyncs,
    diskBytes,
    consumed,
    ...(reloadMs === undefined ? {} : { reloadMs }),
  };
}

async function du(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    bytes += entry.isDirectory() ? await du(full) : (await stat(full)).size;
  }
  return bytes;
}

function child(mode: Mode, concurrency: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'child', mode, String(concurrency)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as RunResult) : reject(new Error(`child exited ${code}`))));
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    const result = await runOne(process.argv[3] as Mode, Number(process.argv[4]));
    process.stdout.write(JSON.stringify(result));
    return;
  }
  const results: RunResult[] = [];
  const loadBefore = os.loadavg();
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of concurrencies) {
      for (const mode of (round % 2 === 0 ? ['memory', 'durable'] : ['durable', 'memory']) as Mode[]) {
        const result = await child(mode, concurrency);
        if (result.consumed !== total) throw new Error(`${mode}: consumed ${result.consumed} of ${total}`);
        results.push(result);
        console.error(
          `round ${round + 1} ${mode} c=${concurrency}: ${Math.round(total / result.seconds)} msg/s, ${result.cpuUsPerMessage.toFixed(1)} CPU µs/msg (${result.systemUsPerMessage.toFixed(1)} system), p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.datasyncs} fdatasyncs, ${result.diskBytes} bytes on disk, reload ${result.reloadMs?.toFixed(0) ?? '-'} ms`,
        );
      }
    }
  }
  const loadAfter = os.loadavg();
  console.log(`\n${total} messages of ${valueBytes} B, ${partitions} partitions, ${keys} keys, publish calls of ${batchSize}; medians of ${rounds} alternated runs`);
  console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}; Node ${process.version}\n`);
  console.log('| bus | calls in flight | msg/s | MB/s | CPU µs/msg (system) | publish p50 / p99 ms | fdatasyncs per call | reload ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const concurrency of concurrencies) {
    for (const mode of ['memory', 'durable'] as Mode[]) {
      const mine = results.filter((r) => r.mode === mode && r.concurrency === concurrency);
      const rate = median(mine.map((r) => total / r.seconds));
      const calls = Math.ceil(total / batchSize);
      console.log(
        `| ${mode} | ${concurrency} | ${Math.round(rate).toLocaleString('en')} | ${((rate * valueBytes) / 1e6).toFixed(1)} | ${median(mine.map((r) => r.cpuUsPerMessage)).toFixed(1)} (${median(mine.map((r) => r.systemUsPerMessage)).toFixed(1)}) | ${median(mine.map((r) => r.p50Ms)).toFixed(1)} / ${median(mine.map((r) => r.p99Ms)).toFixed(1)} | ${(median(mine.map((r) => r.datasyncs)) / calls).toFixed(1)} | ${mode === 'durable' ? median(mine.map((r) => r.reloadMs ?? 0)).toFixed(0) : '–'} |`,
      );
    }
  }
}

await main();
