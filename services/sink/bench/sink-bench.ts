// Sink benchmark (`npm run bench:sink`): span rows per sink CPU-second into embedded chDB, and
// batch latency. Three parts: (1) encoding alone, per format; (2) encode + insert of whole
// batches, per format; (3) the sink component end to end (in-process bus → chDB), with spans as
// RowBinary and as framed SpanRecords (Protobuf), alternated, BENCH_ROUNDS times, then medians.
// CPU is split by thread (see thread-cpu.ts): "sink" is the JavaScript side, "engine" the
// embedded ClickHouse. Vary with BENCH_SPANS (part 3), BENCH_ROUNDS, BENCH_BATCH, BENCH_BATCHES,
// BENCH_MS; BENCH_PARTS=3 runs part 3 only; BENCH_PROFILE=<file> writes a CPU profile of the
// main thread during part 3's Protobuf runs.
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBus } from '@tracebar/bus';
import { createClickHouse, defaultMigrationsDir, runMigrations } from '@tracebar/clickhouse';
import { configSchema } from '@tracebar/config';
import { decodeSpanRecord } from '@tracebar/proto';
import { createLogger, Registry } from '@tracebar/runtime';
import { createSink, spanRecordJson, spanRow } from '../src/index.js';
import { writeSpanSchema } from '../src/store/insert-rows.js';
import { isCanonicalSpan, lengthPrefix } from '../src/rows/span-frame.js';
import { spanStorageProtoFile } from '../src/rows/span-protobuf.js';
import { ByteWriter } from '../src/rows/byte-writer.js';
import { jsonRow } from '../src/rows/json-row.js';
import { spanBinaryColumns, writeSpanRowBinary } from '../src/rows/span-row-binary.js';
import { insertRows } from '../src/store/insert-rows.js';
import { cpuByThread, cpuSince } from './thread-cpu.js';
import { encodedSpans } from './spans.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const benchMs = env('BENCH_MS', 2_000);
const batchRows = env('BENCH_BATCH', 10_000);
const batches = env('BENCH_BATCHES', 10);
const endToEndSpans = env('BENCH_SPANS', 100_000);
const rounds = env('BENCH_ROUNDS', 1);
const parts = new Set((process.env['BENCH_PARTS'] ?? '1,2,3').split(',').map(Number));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

const dataPath = mkdtempSync(join(tmpdir(), 'tracebar-sink-bench-'));
const store = await createClickHouse({ dataPath });
await runMigrations(store, { dir: defaultMigrationsDir });
const pool = encodedSpans(Math.max(20_000, batchRows));
console.log(`node ${process.version}; span record ${pool[0]?.length} bytes; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' / ')}`);

const schema = join(dataPath, 'format_schemas', spanStorageProtoFile);
await writeSpanSchema(schema);

// 1. Encoding alone.
if (parts.has(1)) console.log('\n1. encoding one span, sink thread CPU');
const encoders: [string, (b: Buffer) => void][] = [
  ['generated decoder + row object + JSON text', (b) => void jsonRow(spanRow(decodeSpanRecord(b)))],
  ['one-pass transcoder to JSONEachRow', (b) => void spanRecordJson(b)],
  ['one-pass transcoder to RowBinary', (() => {
    const out = new ByteWriter(1 << 20);
    return (b: Buffer) => {
      if (out.pos > 1 << 19) out.reset();
      writeSpanRowBinary(b, out);
    };
  })()],
  ['canonical-shape check + length prefix (Protobuf)', (b) => void (isCanonicalSpan(b) && lengthPrefix(b.length))],
];
for (const [name, encode] of parts.has(1) ? encoders : []) {
  for (let i = 0; i < 2_000; i++) encode(pool[i % pool.length] as Buffer);
  const cpu = cpuByThread();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < benchMs) {
    for (let i = 0; i < 1_000; i++) encode(pool[(n + i) % pool.length] as Buffer);
    n += 1_000;
  }
  const used = cpuSince(cpu);
  console.log(`   ${name.padEnd(46)} ${((used.sink / n) * 1e6).toFixed(2).padStart(6)} µs/span  ${fmt(n / used.sink).padStart(9)} spans/CPU-s`);
}

// 2. Encode and insert whole batches.
if (parts.has(2)) console.log(`\n2. encode + insert, ${batches} batches of ${fmt(batchRows)} spans (one insert each, deduplication token set)`);
for (const [f, format] of (parts.has(2) ? (['JSONEachRow', 'RowBinary', 'Protobuf'] as const) : []).entries()) {
  // Distinct span ids per batch (ReplacingMergeTree would fold repeated keys), made beforehand.
  const input = Array.from({ length: batches }, (_, b) => encodedSpans(batchRows, 1_000_000 * (f + 1) + b * batchRows));
  const latencies: number[] = [];
  const cpu = cpuByThread();
  const start = performance.now();
  for (const [b, spans] of input.entries()) {
    const began = performance.now();
    if (format === 'JSONEachRow') {
      await insertRows(store, 'spans', { lines: spans.map((s) => spanRecordJson(s)) }, `bench-json-${b}-${Date.now()}`);
    } else if (format === 'RowBinary') {
      const out = new ByteWriter(batchRows * 2_048);
      for (const s of spans) writeSpanRowBinary(s, out);
      await insertRows(store, 'spans', { binary: [out.buf.subarray(0, out.pos)], columns: spanBinaryColumns }, `bench-rb-${b}-${Date.now()}`);
    } else {
      const pieces: Buffer[] = [];
      for (const s of spans) if (isCanonicalSpan(s)) pieces.push(lengthPrefix(s.length), s);
      await insertRows(store, 'spans', { spanRecords: pieces, schema }, `bench-pb-${b}-${Date.now()}`);
    }
    latencies.push(performance.now() - began);
  }
  const wall = (performance.now() - start) / 1_000;
  const used = cpuSince(cpu);
  const rows = batches * batchRows;
  latencies.sort((a, b) => a - b);
  console.log(
    `   ${format.padEnd(12)} ${fmt(rows / used.sink).padStart(9)} rows/sink-CPU-s  ${fmt(rows / (used.sink + used.engine)).padStart(9)} rows/CPU-s (sink+engine)  ` +
      `${fmt(rows / wall).padStart(9)} rows/s wall  batch p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms  ` +
      `(sink ${used.sink.toFixed(2)} s, engine ${used.engine.toFixed(2)} s CPU)`,
  );
}

// 3. The sink component, end to end.
interface Run {
  sinkCpu: number;
  engineCpu: number;
  wall: number;
  inserts: number;
  latencyMean: number;
  latencyP95: number;
}

async function sinkComponent(spanFormat: 'auto' | 'RowBinary', round: number): Promise<Run> {
  // A group per run: the insert log of an earlier run is never read as this one's.
  const config = configSchema.parse({ sink: { topics: ['spans'], consumerGroup: `bench-${spanFormat}-${round}` } });
  const bus = createMemoryBus();
  await bus.ensureTopics([{ name: config.topics.spans.name, partitions: config.topics.spans.partitions, retentionMs: 86_400_000, maxMessageBytes: 1_048_576 }]);
  // The in-process bus keeps records for groups it knows: register the sink's group first.
  const holder = await bus.subscribe({ group: config.sink.consumerGroup, topics: [config.topics.spans.name], handler: () => Promise.reject(new Error('not yet')) });
  await holder.close();
  await store.client.command({ query: 'TRUNCATE TABLE spans' });
  const records = encodedSpans(endToEndSpans, 10_000_000);
  for (let i = 0; i < records.length; i += 2_000) {
    await bus.publish(config.topics.spans.name, records.slice(i, i + 2_000).map((value, j) => ({ key: `default/sess-${(i + j) % 5_000}`, value })));
  }
  const registry = new Registry();
  const sink = createSink({ config, bus, store, logger: createLogger({ name: 'bench', level: 'warn' }), registry, spanFormat });
  const profiler = spanFormat === 'auto' && process.env['BENCH_PROFILE'] !== undefined ? await startProfiler() : undefined;
  const cpu = cpuByThread();
  const start = performance.now();
  await sink.start();
  for (;;) {
    const [row] = await (await store.client.query({ query: 'SELECT count() AS n FROM spans', format: 'JSONEachRow' })).json<{ n: string }>();
    if (Number(row?.n) >= endToEndSpans) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const wall = (performance.now() - start) / 1_000;
  const used = cpuSince(cpu);
  if (profiler) writeFileSync(process.env['BENCH_PROFILE'] as string, JSON.stringify(await profiler()));
  const inserts = (await registry.getSingleMetric('tracebar_sink_insert_duration_seconds')?.get())?.values ?? [];
  const count = inserts.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 0;
  const sum = inserts.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))?.value ?? 0;
  await sink.shutdown(AbortSignal.timeout(30_000));
  await bus.close();
  return { sinkCpu: used.sink, engineCpu: used.engine, wall, inserts: count, latencyMean: (sum / Math.max(1, count)) * 1_000, latencyP95: bucketQuantile(inserts, 0.95) * 1_000 };
}

/** Starts V8's sampling profiler on this thread; the returned function stops it and gives the profile. */
async function startProfiler(): Promise<() => Promise<unknown>> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    session.disconnect();
    return profile;
  };
}

function describeRun(name: string, run: Run): string {
  return (
    `   ${name.padEnd(9)} ${fmt(endToEndSpans / run.sinkCpu).padStart(8)} rows/sink-CPU-s  ${fmt(endToEndSpans / (run.sinkCpu + run.engineCpu)).padStart(7)} rows/CPU-s (sink+engine)  ` +
    `${fmt(endToEndSpans / run.wall).padStart(7)} rows/s wall  (sink ${run.sinkCpu.toFixed(2)} s, engine ${run.engineCpu.toFixed(2)} s CPU, ${run.wall.toFixed(2)} s)  ` +
    `${run.inserts} inserts, batch (insert) latency mean ${run.latencyMean.toFixed(0)} ms, p95 ≤ ${run.latencyP95} ms`
  );
}

if (parts.has(3)) {
  console.log(`\n3. sink component: ${fmt(endToEndSpans)} spans through the in-process bus (12 partitions) into chDB, default batch bounds, ${rounds} round(s) alternated`);
  const runs: Record<string, Run[]> = { RowBinary: [], Protobuf: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, spanFormat] of [['RowBinary', 'RowBinary'], ['Protobuf', 'auto']] as const) {
      const run = await sinkComponent(spanFormat, round);
      runs[name]?.push(run);
      console.log(describeRun(name, run) + `  load ${(await import('node:os')).loadavg()[0]?.toFixed(2)}`);
    }
  }
  if (rounds > 1) {
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    console.log('   medians:');
    for (const [name, list] of Object.entries(runs)) {
      const pick = (k: keyof Run) => median(list.map((r) => r[k]));
      console.log(describeRun(name, { sinkCpu: pick('sinkCpu'), engineCpu: pick('engineCpu'), wall: pick('wall'), inserts: pick('inserts'), latencyMean: pick('latencyMean'), latencyP95: pick('latencyP95') }));
    }
  }
}

function bucketQuantile(values: { value: number; labels: Record<string, unknown>; metricName?: string }[], q: number): number {
  const buckets = values.filter((v) => v.metricName?.endsWith('_bucket')).map((v) => ({ le: Number(v.labels['le']), n: v.value }));
  const total = buckets.find((b) => !Number.isFinite(b.le))?.n ?? 0;
  return buckets.find((b) => b.n >= q * total)?.le ?? Number.NaN;
}

await store.close();
rmSync(dataPath, { recursive: true, force: true });
