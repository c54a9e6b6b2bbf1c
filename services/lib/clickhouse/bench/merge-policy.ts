// What background merges cost under the sink's insert pattern: many small inserts a second into
// `spans` (one per topic partition and flush), with the real schema (the migrations). Run:
//   npx tsx --conditions=source services/lib/clickhouse/bench/merge-policy.ts
// Environment: MERGE_BENCH_SECONDS (40), MERGE_BENCH_INSERTS_PER_S (12), MERGE_BENCH_ROWS (170),
// MERGE_BENCH_SQL (statements run after the migrations, ";"-separated: the policy under test),
// MERGE_BENCH_PRELOAD (rows in the table before the timed part, 90 000).
// Prints the engine's CPU by thread group (MergeMutate = merges), the bytes merged per byte
// inserted (write amplification) and the parts left, as JSON.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, defaultMigrationsDir, runMigrations } from '../src/index.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('MERGE_BENCH_SECONDS', 40);
const insertsPerSecond = env('MERGE_BENCH_INSERTS_PER_S', 12);
const rowsPerInsert = env('MERGE_BENCH_ROWS', 170);
const preload = env('MERGE_BENCH_PRELOAD', 90_000);

function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'js main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[\d_-]+$/, '');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // ended
    }
  }
  return out;
}

// Span-like rows: a session's spans carry the conversation so far (repetitive text, as agents
// export it), plus ids, times and a few attributes.
const rowsSql = (from: number, count: number) => `
  INSERT INTO spans (tenant, session_key, trace_id, span_id, name, kind, start_time, end_time, duration_ns, service_name,
                     gen_ai_operation_name, gen_ai_request_model, gen_ai_input_tokens, gen_ai_input_messages, gen_ai_output_messages,
                     attributes_string, attributes_int)
  SELECT 'default', concat('session-', toString(intDiv(number, 12))), lower(hex(cityHash64(intDiv(number, 12)))), lower(hex(cityHash64(number))),
         'chat', 'client', now64(9) + toIntervalMicrosecond(number), now64(9) + toIntervalMicrosecond(number + 900), 900000, 'agent',
         'chat', 'gpt-4o', 1000 + number % 500,
         arrayMap(j -> (if(j % 2 = 0, 'user', 'assistant'),
                        arrayStringConcat(arrayMap(k -> ['book', 'a', 'flight', 'to', 'Paris', 'on', 'Monday', 'the', 'tool', 'returned', 'an', 'error', 'seat', 'window', 'price', 'under', '400', 'euros', 'customer', 'id'][(cityHash64(intDiv(number, 12), j, k) % 20) + 1], range(60)), ' '),
                        [], '', '', 'stop'), range(1 + number % 12)),
         [('assistant', concat('Answer ', toString(number), repeat(' and more text', 20)), [], '', '', 'stop')],
         map('http.route', '/v1/chat', 'customer.id', toString(number % 1000), 'request.id', toString(cityHash64(number))),
         map('retry', number % 3)
  FROM numbers(${from}, ${count})`;

const dataPath = mkdtempSync(join(tmpdir(), 'tracebar-merge-bench-'));
const ch = await createClickHouse({ dataPath });
try {
  await runMigrations(ch, { dir: defaultMigrationsDir, logger: { info: () => undefined, warn: () => undefined } });
  for (const statement of (process.env.MERGE_BENCH_SQL ?? '').split(';').filter((s) => s.trim() !== '')) await ch.client.command({ query: statement });
  for (let done = 0; done < preload; done += 10_000) await ch.client.command({ query: rowsSql(1e9 + done, Math.min(10_000, preload - done)) });
  await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });

  const events = async () =>
    Object.fromEntries(
      (await (await ch.client.query({ query: "SELECT name, value FROM system.events WHERE name IN ('Merge','MergedRows','MergedUncompressedBytes','MergeTreeDataWriterUncompressedBytes','MergeTreeDataWriterBlocks','InsertedRows')", format: 'JSONEachRow' })).json<{ name: string; value: string }>()).map((r) => [r.name, Number(r.value)]),
    );
  const cpu0 = threadCpu();
  const ev0 = await events();
  const started = performance.now();
  let n = 0;
  const latencies: number[] = [];
  while (performance.now() - started < seconds * 1_000) {
    const due = started + (n * 1_000) / insertsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t = performance.now();
    await ch.client.command({ query: rowsSql(n * rowsPerInsert, rowsPerInsert) });
    latencies.push(performance.now() - t);
    n++;
  }
  await new Promise((resolve) => setTimeout(resolve, 5_000)); // merges assigned by the last inserts
  const cpu1 = threadCpu();
  const ev1 = await events();
  const parts = await (await ch.client.query({ query: "SELECT count() AS parts, max(level) AS maxLevel, sum(rows) AS rows, round(sum(data_compressed_bytes)/1048576, 1) AS compressedMiB, round(sum(data_uncompressed_bytes)/1048576, 1) AS uncompressedMiB FROM system.parts WHERE database = currentDatabase() AND table = 'spans' AND active", format: 'JSONEachRow' })).json();
  const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Number((v - (a[k] ?? 0)).toFixed(1))]).filter(([, v]) => v !== 0));
  const ev = delta(ev0, ev1);
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      sql: process.env.MERGE_BENCH_SQL ?? '',
      inserts: n,
      rowsPerInsert,
      cpuSeconds: delta(cpu0, cpu1),
      events: ev,
      writeAmplification: Number(((ev.MergedUncompressedBytes ?? 0) / Math.max(1, ev.MergeTreeDataWriterUncompressedBytes ?? 1)).toFixed(2)),
      insertMs: { p50: Number(latencies[Math.floor(latencies.length / 2)]?.toFixed(1)), p95: Number(latencies[Math.floor(latencies.length * 0.95)]?.toFixed(1)) },
      parts,
    }),
  );
} finally {
  await ch.close();
  rmSync(dataPath, { recursive: true, force: true });
}
