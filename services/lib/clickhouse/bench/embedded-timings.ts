// Embedded chDB timings for the README: `npm run bench -w @tracebar/clickhouse`.
// Measures one cold process; run it a few times and take the typical figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataPath = mkdtempSync(join(tmpdir(), 'tracebar-ch-bench-'));
const ms = (start: number): string => `${(performance.now() - start).toFixed(1)} ms`;

let t = performance.now();
const { createClickHouse, queryReadOnly } = await import('../src/index.js');
console.log(`load chdb native library (import):      ${ms(t)}`);

t = performance.now();
const ch = await createClickHouse({ dataPath });
console.log(`cold open (engine start, CREATE DATABASE): ${ms(t)}`);

t = performance.now();
await (await ch.client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
console.log(`first SELECT 1:                          ${ms(t)}`);

const samples: number[] = [];
for (let i = 0; i < 200; i++) {
  const s = performance.now();
  await (await ch.client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
  samples.push(performance.now() - s);
}
samples.sort((a, b) => a - b);
console.log(`SELECT 1, median of 200:                 ${(samples[100] ?? 0).toFixed(2)} ms (p95 ${(samples[190] ?? 0).toFixed(2)} ms)`);

t = performance.now();
await queryReadOnly(ch, 'SELECT 1');
console.log(`queryReadOnly SELECT 1 (own connection): ${ms(t)}`);

await ch.client.command({
  query: `CREATE TABLE bench_spans (trace_id String, span_id String, name LowCardinality(String), start_ns UInt64,
    duration_ns UInt64, attributes Map(String, String)) ENGINE = MergeTree ORDER BY (trace_id, start_ns)`,
});
const rows = Array.from({ length: 10_000 }, (_, i) => ({
  trace_id: `t${i % 100}`,
  span_id: `s${i}`,
  name: `op${i % 10}`,
  start_ns: String(1_700_000_000_000_000_000n + BigInt(i)),
  duration_ns: 1000 + i,
  attributes: { 'gen_ai.request.model': 'm', k: String(i) },
}));
for (const run of [1, 2, 3]) {
  t = performance.now();
  await ch.client.insert({ table: 'bench_spans', values: rows, format: 'JSONEachRow' });
  console.log(`insert 10k rows JSONEachRow (run ${run}):     ${ms(t)}`);
}
const [count] = await (await ch.client.query({ query: 'SELECT count() AS n FROM bench_spans', format: 'JSONEachRow' })).json<{ n: string }>();
console.log(`rows stored:                             ${count?.n}`);

t = performance.now();
await ch.close();
console.log(`close:                                   ${ms(t)}`);

t = performance.now();
const reopened = await createClickHouse({ dataPath });
const [again] = await (await reopened.client.query({ query: 'SELECT count() AS n FROM bench_spans', format: 'JSONEachRow' })).json<{ n: string }>();
console.log(`reopen in-process + count:               ${ms(t)} (${again?.n} rows)`);
await reopened.close();
rmSync(dataPath, { recursive: true, force: true });
