// Scorer benchmark (`npm run bench:scorer`): sessions scored per scorer CPU-second with the
// deterministic evaluators of the built-in default objective, on real agent sessions (see
// makeSessions), (A) by scoreSession directly, decode (the scorer's decodeScoringRecord) included,
// and (B) by the component on the in-process bus, publishing score records and review items.
import os from 'node:os';
import path from 'node:path';
import { createMemoryBus, type Bus } from '@tracebar/bus';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { loadDataset, toOtlpRequests } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { decodeSessionRecord, encodeSessionRecord } from '@tracebar/proto';
import { createLogger, createMetricsRegistry } from '@tracebar/runtime';
import { AttributeKeys, Baselines, createScorer, decodeScoringRecord, scoreSession, type ScoringContext } from '../src/index.js';
import { buildSessionView, DEFAULT_MODEL_WINDOWS, DEFAULT_OBJECTIVE_EVALUATORS, evaluatorTypes, SESSION_VIEW_ATTRIBUTE_KEYS, type EvaluatorType } from '@tracebar/evaluators';
import { loadObjectives } from '@tracebar/objectives';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 2_000);
const DATASET = process.env.BENCH_DATASET ?? path.resolve(import.meta.dirname, '../../../../shared/datasets/tau-bench-airline/gpt-4o-airline.json');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const logger = createLogger({ name: 'bench', level: 'silent' });

function config(): TracebarConfig {
  const topic = (name: string) => ({ name, partitions: 12, retentionMs: 3_600_000, maxMessageBytes: 8 * 1_048_576 });
  return configSchema.parse({
    topics: { spans: topic('spans'), sessions: topic('sessions'), scores: topic('scores'), review: topic('review'), alerts: topic('alerts') },
    sessionizer: { allowedLatenessMs: 20, commitIntervalMs: 0 },
    scorer: { objectivesDir: '/nonexistent', commitIntervalMs: 0 },
    bus: { memory: { maxPartitionBytes: '1GiB', maxPartitionMessages: 10_000_000 } },
  });
}

async function newBus(cfg: TracebarConfig): Promise<Bus> {
  const bus = createMemoryBus({ maxPartitionBytes: 1 << 30, maxPartitionMessages: 10_000_000, maxInFlightBytes: 1 << 30 });
  await bus.ensureTopics([cfg.topics.spans, cfg.topics.sessions, cfg.topics.scores, cfg.topics.review, cfg.topics.alerts].map((t) => ({ name: t.name, partitions: t.partitions, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes })));
  return bus;
}

async function until(what: string, done: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Session record bytes of real agent sessions: the tau-bench airline set (200 GPT-4o sessions),
 * through the importer and the real ingest normalizer and sessionizer, repeated to BENCH_SESSIONS.
 */
async function makeSessions(): Promise<Buffer[]> {
  const sessions = await loadDataset('openai-messages', DATASET);
  const records = replaySessions(toOtlpRequests(sessions)).map((record) => Buffer.from(encodeSessionRecord(record)));
  return Array.from({ length: SESSIONS }, (_, i) => records[i % records.length] as Buffer);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
}

async function main(): Promise<void> {
  const cfg = config();
  const values = await makeSessions();
  const spans = values.reduce((sum, v) => sum + decodeSessionRecord(v).spans.length, 0) / values.length;
  const bytes = values.reduce((sum, v) => sum + v.length, 0) / values.length;
  const evaluators = evaluatorTypes as ReadonlyMap<string, EvaluatorType>;
  const objectives = loadObjectives({ dir: '/nonexistent', evaluators, defaultEvaluators: DEFAULT_OBJECTIVE_EVALUATORS });
  console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${values.length} sessions (tau-bench airline, replayed), ${spans.toFixed(1)} spans a session, ${(bytes / 1024).toFixed(1)} KiB a session record; objective default@${objectives.fallback.version}: ${objectives.fallback.evaluators.map((e) => `${e.type}@${e.version}`).join(', ')}`);

  const context = (): ScoringContext => ({
    objectives,
    evaluators,
    deps: { fetch: globalThis.fetch, modelWindows: DEFAULT_MODEL_WINDOWS, now: Date.now },
    timeoutMs: 10_000,
    reviewThreshold: 0.35,
    taxonomyVersion: 1,
    baselines: new Baselines(),
  });
  const keys = new AttributeKeys([...SESSION_VIEW_ATTRIBUTE_KEYS, ...objectives.selectorKeys]);
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ctx = context();
    let failed = 0;
    const began = process.cpuUsage();
    for (const value of values) {
      const scoring = await scoreSession(decodeScoringRecord(value, keys), ctx);
      if (scoring.results[0]?.verdict.outcome === 'failed') failed++;
    }
    const ms = cpuMs(began);
    rates.push((values.length / ms) * 1_000);
    console.log(`A. decode + scoreSession, round ${round + 1}: ${values.length} sessions in ${ms.toFixed(0)} ms CPU = ${Math.round((values.length / ms) * 1_000).toLocaleString('en')} sessions/CPU-s (${((ms * 1_000) / values.length).toFixed(0)} µs a session; ${failed} failed)`);
  }
  // Where A's time goes, warm: the reader alone, the reader and the view, the old full decode alone.
  const perSession = (run: (value: Buffer) => unknown) => {
    const began = process.cpuUsage();
    for (const value of values) run(value);
    return (cpuMs(began) * 1_000) / values.length;
  };
  const read = perSession((value) => decodeScoringRecord(value, keys));
  const viewed = perSession((value) => buildSessionView(decodeScoringRecord(value, keys)));
  const full = perSession((value) => decodeSessionRecord(value));
  console.log(`A parts, per session: decodeScoringRecord ${read.toFixed(0)} µs, + buildSessionView ${(viewed - read).toFixed(0)} µs, the rest (evaluators, priority, score and review records) = round ${ROUNDS} minus these; the full decodeSessionRecord would take ${full.toFixed(0)} µs`);

  // B: the component as it runs, warm: a first pass over the sessions lets the JIT settle (a
  // scorer runs for hours), then PASSES measured passes; each pass publishes the sessions again
  // under new keys.
  const bus = await newBus(cfg);
  const scorer = createScorer({ config: cfg, bus, logger, registry: createMetricsRegistry() });
  await scorer.start();
  const componentRates: number[] = [];
  for (let pass = 0; pass <= PASSES; pass++) {
    const scoredBefore = scorer.stats().sessionsScored;
    await bus.publish(cfg.topics.sessions.name, values.map((value, i) => ({ key: `default/bench-${pass}-${i}`, value })));
    const began = process.cpuUsage();
    const wall = performance.now();
    await until('scored', () => scorer.stats().sessionsScored >= scoredBefore + values.length);
    const ms = cpuMs(began);
    const rate = (values.length / ms) * 1_000;
    if (pass > 0) componentRates.push(rate);
    const stats = scorer.stats();
    console.log(
      `B. component on the in-process bus, ${pass === 0 ? 'warm-up pass' : `pass ${pass}`}: ${values.length} sessions in ${ms.toFixed(0)} ms CPU (${(performance.now() - wall).toFixed(0)} ms wall) = ${Math.round(rate).toLocaleString('en')} sessions/CPU-s (${((ms * 1_000) / values.length).toFixed(0)} µs a session); ${stats.scoreRecords} score records, ${stats.reviewItems} review items, ${stats.alerts} alerts published so far`,
    );
  }
  await scorer.shutdown(AbortSignal.timeout(10_000));
  await bus.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const a = median(rates);
  const b = median(componentRates);
  console.log(`scorer (decode + score, A's median): ${Math.round(a).toLocaleString('en')} sessions per CPU-second = ${Math.round((a * spans) / 30).toLocaleString('en')} 30-span sessions per CPU-second by span count`);
  console.log(`scorer (the component, warm, B's median): ${Math.round(b).toLocaleString('en')} sessions per CPU-second = ${Math.round((b * spans) / 30).toLocaleString('en')} 30-span sessions per CPU-second by span count (target >= 5,000)`);
}

await main();
