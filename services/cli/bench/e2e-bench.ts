// `npm run bench:e2e`: the whole embedded pipeline (`tracebar up` in this process: ingest →
// in-process bus → sessionizer → scorer → sink → chDB) under load from a generator in a child
// process that sends whole agent sessions over OTLP/HTTP protobuf (official SDK serializer).
// Measures sustained spans/s (acknowledged, and until every acknowledged span is stored and every
// session scored) and, for a sample of sessions, the time from the acknowledgement of the request
// that ended the session to its verdict being queryable through the admin SQL API.
//
// Settings (environment): BENCH_SECONDS (30), BENCH_CONCURRENCY (8), BENCH_SESSIONS_PER_REQUEST
// (8), BENCH_BROKEN_EVERY (5), BENCH_SAMPLE_EVERY (20), BENCH_LATENESS ("1s": the sessionizer's
// allowedLatenessMs, the quiet time before an end marker closes a session), BENCH_SINK_FLUSH
// (the sink's flushIntervalMs; default: the config's, 1s), BENCH_LATENCY_SECONDS (20),
// BENCH_LATENCY_SPANS_PER_S (default: half the saturation phase's end-to-end rate); TRACEBAR_* variables
// reach the pipeline's config (e.g. TRACEBAR_SINK__MERGE_SELECTOR=Simple).
// BENCH_STOP_MERGES (tables whose background merges are stopped, to attribute merge CPU),
// BENCH_TABLE_SETTINGS (MergeTree settings applied to the sink's tables before the load),
// BENCH_SQL (statements run before the load), BENCH_SAMPLE_MERGES=1 (system.merges sampled every 100 ms: which tables merge, how).
import { execFileSync, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse, type ClickHouse } from '@tracebar/clickhouse';
import { loadConfig } from '@tracebar/config';
import { createLogger } from '@tracebar/runtime';
import { runUp } from '../src/commands/up.js';
import { chdbPath } from '../src/store.js';
import type { LoadCommand, LoadReady, LoadResult, LoadSample } from './load-generator.js';
import { engineEvents, eventsSince, sampleMerges, tableParts } from './store-stats.js';
import { threadCpu, threadCpuSince } from './thread-cpu.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('BENCH_SECONDS', 30);
const concurrency = env('BENCH_CONCURRENCY', 8);
const sessionsPerRequest = env('BENCH_SESSIONS_PER_REQUEST', 8);
const brokenEvery = env('BENCH_BROKEN_EVERY', 5);
const sampleEvery = env('BENCH_SAMPLE_EVERY', 20);
const lateness = process.env.BENCH_LATENESS ?? '1s';
const drainTimeoutMs = 300_000;

const repo = path.join(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'tracebar-e2e-bench-'));
const { config } = loadConfig({
  env: {
    TRACEBAR_DATA_DIR: dataDir,
    TRACEBAR_LOG_LEVEL: 'warn',
    TRACEBAR_ADMIN__PORT: '0',
    TRACEBAR_OTLP__GRPC__PORT: '0',
    TRACEBAR_OTLP__HTTP__PORT: '0',
    TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: lateness,
    ...(process.env.BENCH_SINK_FLUSH ? { TRACEBAR_SINK__FLUSH_INTERVAL_MS: process.env.BENCH_SINK_FLUSH } : {}),
    TRACEBAR_SCORER__OBJECTIVES_DIR: path.join(repo, 'config/objectives'),
    TRACEBAR_SCORER__TAXONOMY_FILE: path.join(repo, 'config/taxonomy.yaml'),
    // Any other TRACEBAR_* variable of the bench's environment: a setting under test.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TRACEBAR_') && !k.startsWith('TRACEBAR_TEST_'))),
  },
});
const latenessMs = config.sessionizer.allowedLatenessMs;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const progress = (text: string) => process.stderr.write(`[e2e-bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

async function main(): Promise<void> {
  const stop = new AbortController();
  let adminUrl = '';
  let tracesUrl = '';
  let exited: Promise<number> = Promise.resolve(0);
  await new Promise<void>((resolve) => {
    exited = runUp({
      config,
      configFile: undefined,
      signals: new EventEmitter(),
      logger: createLogger({ name: 'tracebar', level: 'warn' }),
      stop: stop.signal,
      forceExit: () => undefined,
      onReady: (info) => {
        adminUrl = info.adminUrl;
        tracesUrl = `${info.otlp?.http ?? ''}/v1/traces`;
        resolve();
      },
    });
  });

  progress(`tracebar up ready: admin ${adminUrl}, OTLP ${tracesUrl}`);
  // A second client on the instance's own chDB folder (same process, same engine): the bench
  // reads system tables through it, and BENCH_STOP_MERGES (comma-separated tables) stops
  // background merges on those tables, to attribute the engine's merge CPU to them.
  const store: ClickHouse | undefined = config.clickhouse.url === undefined ? await createClickHouse({ dataPath: chdbPath(config), database: config.clickhouse.database }) : undefined;
  for (const table of (process.env.BENCH_STOP_MERGES ?? '').split(',').filter((t) => t !== '')) {
    await store?.client.command({ query: `SYSTEM STOP MERGES ${table}` });
  }
  // BENCH_TABLE_SETTINGS ("name=value,…"): MergeTree settings tried on every table the sink writes.
  const tableSettings = process.env.BENCH_TABLE_SETTINGS ?? '';
  if (tableSettings !== '') {
    for (const table of ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'labels', 'alerts', 'sink_batches']) {
      await store?.client.command({ query: `ALTER TABLE ${table} MODIFY SETTING ${tableSettings}` });
    }
  }
  // BENCH_SQL: statements (separated by ";") run before the load, e.g. a codec tried on a column.
  for (const statement of (process.env.BENCH_SQL ?? '').split(';').filter((t) => t.trim() !== '')) {
    await store?.client.command({ query: statement });
  }
  const sql = async (query: string, params: Record<string, string> = {}): Promise<Record<string, unknown>[]> => {
    const response = await fetch(`${adminUrl}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, params }) });
    const body = (await response.json()) as { columns: { name: string }[]; rows: unknown[][]; error?: string };
    if (body.error) throw new Error(body.error);
    return body.rows.map((row) => Object.fromEntries(body.columns.map((c, i) => [c.name, row[i]])));
  };

  const count = async () => {
    const [row] = await sql("SELECT (SELECT count() FROM spans) AS spans, (SELECT count() FROM verdicts FINAL) AS verdicts, (SELECT countIf(outcome = 'failed') FROM verdicts FINAL) AS failed");
    return { spans: Number(row?.spans), verdicts: Number(row?.verdicts), failed: Number(row?.failed) };
  };

  /** The bus's counters since start, read from the instance's Prometheus endpoint: refusals, what it holds on disk only, what it read back. */
  const busGauges = async (): Promise<{ publishFull: number; spilledMiB: number; readBackMessages: number }> => {
    const text = await (await fetch(`${adminUrl}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { publishFull: gauge('tracebar_bus_publish_full'), spilledMiB: Math.round(gauge('tracebar_bus_spilled_bytes') / 1_048_576), readBackMessages: gauge('tracebar_bus_read_back_messages') };
  };

  /** One run of the generator (closed loop when ratePerSecond is 0), then a drain. */
  const phase = async (name: string, tag: string, phaseSeconds: number, ratePerSecond: number, everyNth: number) => {
    const before = await count();
    const generator = fork(path.join(import.meta.dirname, 'load-generator.ts'), [], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let ready: LoadReady | undefined;
    let loadDone = false;
    const result = new Promise<LoadResult>((resolve, reject) => {
      generator.on('message', (message: LoadReady | LoadResult | LoadSample) => {
        if (message.type === 'ready') ready = message;
        else if (message.type === 'sample') pending.set(message.sessionId, message.acknowledgedAt);
        else resolve(message);
      });
      generator.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`load generator exited with ${code}`))));
    });
    // Sampled sessions: polled for their verdict, one query for all pending, every 250 ms.
    const poll = async () => {
      while (!loadDone || pending.size > 0) {
        if (pending.size > 0) {
          const ids = [...pending.keys()];
          const rows = await sql('SELECT DISTINCT session_key FROM verdicts WHERE tenant = {tenant:String} AND session_key IN {ids:Array(String)}', { tenant: 'default', ids: `[${ids.map((id) => `'${id}'`).join(',')}]` });
          const now = Date.now();
          for (const row of rows) {
            const key = String(row.session_key);
            const at = pending.get(key);
            if (at === undefined) continue;
            latencies.push(now - at);
            pending.delete(key);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    // The generator builds its requests, says ready, and starts sending at once.
    const loadBefore = loadavg();
    generator.send({ type: 'run', tracesUrl, seconds: phaseSeconds, concurrency, ratePerSecond, sessionsPerRequest, brokenEvery, sampleEvery: everyNth, tag } satisfies LoadCommand);
    while (!ready) await new Promise((resolve) => setTimeout(resolve, 5));
    const readyInfo: LoadReady = ready;
    const cpuBefore = process.cpuUsage();
    const threadsBefore = threadCpu();
    const eventsBefore = store ? await engineEvents(store) : {};
    const mergeSampler = store && process.env.BENCH_SAMPLE_MERGES === '1' ? sampleMerges(store, 100) : undefined;
    const started = performance.now();
    progress(`${name}: ${readyInfo.spansPerRequest} spans, ${readyInfo.bodyBytes} bytes a request; ${phaseSeconds} s ${ratePerSecond > 0 ? `at ${ratePerSecond} requests/s` : `closed loop, ${concurrency} senders`}`);
    const polling = poll();
    const load = await result;
    const loadEnded = performance.now();
    const loadAfter = loadavg();
    progress(`${name}: ${load.acknowledgedSpans} spans acknowledged, failures ${JSON.stringify(load.failures)}; draining`);

    // Drain: every acknowledged span stored, every acknowledged session scored.
    let stored = before;
    const drainDeadline = Date.now() + drainTimeoutMs;
    for (;;) {
      stored = await count();
      if ((stored.spans - before.spans >= load.acknowledgedSpans && stored.verdicts - before.verdicts >= load.acknowledgedSessions) || Date.now() > drainDeadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const drained = performance.now();
    loadDone = true;
    if (Date.now() > drainDeadline) pending.clear();
    await polling;
    const cpu = process.cpuUsage(cpuBefore);
    const threadCpuSeconds = threadCpuSince(threadsBefore);
    const engine = store ? eventsSince(eventsBefore, await engineEvents(store)) : {};
    const mergesSeen = (await mergeSampler?.stop()) ?? [];
    const pipelineCpuS = (cpu.user + cpu.system) / 1e6;
    const bus = await busGauges();
    const sorted = latencies.sort((a, b) => a - b);
    const loadS = (loadEnded - started) / 1_000;
    const totalS = (drained - started) / 1_000;
    return {
      phase: name,
      mode: ratePerSecond > 0 ? `open loop, ${ratePerSecond} requests/s offered (${ratePerSecond * readyInfo.spansPerRequest} spans/s)` : `closed loop, ${concurrency} senders`,
      loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
      loadAverageAfter: loadAfter.map((l) => Number(l.toFixed(2))),
      payload: { spansPerRequest: readyInfo.spansPerRequest, sessionsPerRequest: readyInfo.sessionsPerRequest, bodyBytes: readyInfo.bodyBytes, bytesPerSpan: Math.round(readyInfo.bodyBytes / readyInfo.spansPerRequest), brokenEvery },
      loadSeconds: Number(loadS.toFixed(1)),
      requests: load.requests,
      failures: load.failures,
      acknowledgedSpans: load.acknowledgedSpans,
      acknowledgedSessions: load.acknowledgedSessions,
      storedSpans: stored.spans - before.spans,
      scoredSessions: stored.verdicts - before.verdicts,
      failedVerdicts: stored.failed - before.failed,
      acknowledgedSpansPerSecond: Math.round(load.acknowledgedSpans / loadS),
      endToEndSpansPerSecond: Math.round(load.acknowledgedSpans / totalS),
      drainSecondsAfterLoad: Number(((drained - loadEnded) / 1_000).toFixed(1)),
      pipelineCpuSeconds: Number(pipelineCpuS.toFixed(1)),
      spansPerPipelineCpuSecond: Math.round(load.acknowledgedSpans / pipelineCpuS),
      generatorCpuSeconds: Number((load.cpuMs / 1_000).toFixed(1)),
      threadCpuSeconds,
      bus,
      rssMiB: Math.round(process.memoryUsage().rss / 1_048_576),
      engineEvents: engine,
      mergesSeen,
      latencySamples: sorted.length,
      ackToQueryableMs: { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? NaN },
      closeToQueryableMs: { p50: quantile(sorted, 0.5) - latenessMs, p95: quantile(sorted, 0.95) - latenessMs },
    };
  };

  const saturation = await phase('saturation', 'a', seconds, 0, sampleEvery);
  // Latency below capacity: a backlog (saturation) measures queueing, not the path.
  const latencyRate = Number(process.env.BENCH_LATENCY_SPANS_PER_S ?? Math.round(saturation.endToEndSpansPerSecond / 2));
  const requestRate = Math.max(1, Math.round(latencyRate / saturation.payload.spansPerRequest));
  const latency = await phase('latency', 'b', env('BENCH_LATENCY_SECONDS', 20), requestRate, 2);

  const parts = store ? await tableParts(store) : [];
  await store?.close();
  stop.abort();
  const code = await exited;
  rmSync(dataDir, { recursive: true, force: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : ' (+ uncommitted changes)'}`;
  const conditions = { commit, tableSettings, sql: process.env.BENCH_SQL ?? '', stoppedMerges: process.env.BENCH_STOP_MERGES ?? '', busDurable: config.bus.memory.durable, node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, concurrency, allowedLatenessMs: latenessMs, sinkFlushIntervalMs: config.sink.flushIntervalMs, sinkTopicFlushIntervalMs: config.sink.topicFlushIntervalMs, sinkMergeSelector: config.sink.mergeSelector, exitCode: code };
  process.stdout.write(`${JSON.stringify({ conditions, saturation, latency, parts }, null, 2)}\n`);
  const line = (p: typeof saturation) =>
    `  ${p.phase} (${p.mode}; load ${p.loadAverageBefore.join('/')} → ${p.loadAverageAfter.join('/')}): acknowledged ${p.acknowledgedSpansPerSecond} spans/s over ${p.loadSeconds} s, all stored and scored at ${p.endToEndSpansPerSecond} spans/s (drain ${p.drainSecondsAfterLoad} s); ` +
    `pipeline ${p.spansPerPipelineCpuSecond} spans per CPU-second; ack → verdict queryable p50 ${p.ackToQueryableMs.p50} ms, p95 ${p.ackToQueryableMs.p95} ms (${p.latencySamples} sessions)\n` +
    `    bus since start: ${p.bus.publishFull} publishes refused for room, ${p.bus.spilledMiB} MiB held on disk only, ${p.bus.readBackMessages} records read back; process RSS ${p.rssMiB} MiB\n` +
    `    CPU s by thread: ${Object.entries(p.threadCpuSeconds).map(([g, s]) => `${g} ${s}`).join(', ')}; merges ${p.engineEvents.Merge ?? 0} (${((p.engineEvents.MergedUncompressedBytes ?? 0) / 1_048_576).toFixed(0)} MiB merged for ${((p.engineEvents.MergeTreeDataWriterUncompressedBytes ?? 0) / 1_048_576).toFixed(0)} MiB inserted), parts inserted ${p.engineEvents.MergeTreeDataWriterBlocks ?? 0}\n` +
    `    merges seen: ${p.mergesSeen.map((m) => `${m.table} ${m.merges} × ${(m.sourceParts / Math.max(1, m.merges)).toFixed(1)} parts, ${m.mergedMiB} MiB (largest part ${Math.round(m.largestPartShare * 100)}%)`).join('; ')}`;
  process.stdout.write(
    [
      '',
      `end-to-end, embedded (${conditions.commit}, durable bus ${conditions.busDurable}, sink flush ${conditions.sinkFlushIntervalMs} ms, per topic ${JSON.stringify(conditions.sinkTopicFlushIntervalMs)}, merge selector ${conditions.sinkMergeSelector}), ${conditions.cores} cores, ${saturation.payload.spansPerRequest} spans (${saturation.payload.sessionsPerRequest} sessions, ${saturation.payload.bodyBytes} bytes) a request:`,
      line(saturation),
      line(latency),
      `  parts: ${parts.map((t) => `${t.table} ${t.insertedParts} inserted → ${t.activeParts} (level ≤ ${t.maxLevel}, mean ${t.meanLevel}, ${t.partTypes})`).join('; ')}`,
      `  close → queryable ≈ ack → queryable − allowedLateness (${latenessMs} ms): p50 ${latency.closeToQueryableMs.p50} ms, p95 ${latency.closeToQueryableMs.p95} ms. Targets: ≥ 30,000 spans/s; p95 ≤ 2,000 ms.`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
