// Scorer benchmark (`npm run bench:scorer`): sessions scored per scorer CPU-second with the
// deterministic evaluators of the built-in default objective, on real agent sessions (see
// makeSessions) — (A) by scoreSession directly, decode (the scorer's decodeScoringRecord) included,
// and (B) by the component on the in-process bus, publishing score records, review items and alerts —
// and on the evaluators' synthetic 30-span sessions the same two ways (C, D).
import os from 'node:os';
import path from 'node:path';
import { createMemoryBus, type Bus } from '@tracebar/bus';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { loadDataset, toOtlpRequests } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { decodeSessionRecord, encodeSessionRecord } from '@tracebar/proto';
import { createLogger, createMetricsRegistry } from '@tracebar/runtime';
import type * as ScorerModule from '../src/index.js';
import type { ScoringContext } from '../src/index.js';
import { buildSessionView, DEFAULT_MODEL_WINDOWS, DEFAULT_OBJECTIVE_EVALUATORS, evaluatorTypes, SESSION_VIEW_ATTRIBUTE_KEYS, type EvaluatorType } from '@tracebar/evaluators';
import { loadObjectives } from '@tracebar/objectives';
import { thirtySpanSession } from '../../lib/evaluators/bench/thirty-span-sessions.js';

// The built package, as tracebar up runs it (the bench script builds it first); its types from the
// sources, so that typechecking does not need the build.
const built: string = '@tracebar/scorer';
const { AttributeKeys, Baselines, createScorer, decodeScoringRecord, scoreSession } = (await import(built)) as typeof ScorerModule;
type AttributeKeys = ScorerModule.AttributeKeys;

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

/** The evaluators' micro-benchmark sessions (30 spans, 34 KiB: 14 LLM calls resending the history, 14 tools), 256 distinct, repeated. */
function syntheticSessions(): Buffer[] {
  const distinct = Array.from({ length: 256 }, (_, i) => Buffer.from(encodeSessionRecord({ ...thirtySpanSession(i), tenant: 'default' })));
  return Array.from({ length: SESSIONS }, (_, i) => distinct[i % distinct.length] as Buffer);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
}

interface Workload {
  name: string;
  values: Buffer[];
  spans: number;
}

function describe(name: string, values: Buffer[]): Workload {
  const spans = values.reduce((sum, v) => sum + decodeSessionRecord(v).spans.length, 0) / values.length;
  const bytes = values.reduce((sum, v) => sum + v.length, 0) / values.length;
  console.log(`${name}: ${values.length} sessions, ${spans.toFixed(1)} spans a session, ${(bytes / 1024).toFixed(1)} KiB a session record`);
  return { name, values, spans };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A: decodeScoringRecord + scoreSession in a loop, ROUNDS rounds (a fresh baseline each); the rates. */
async function decodeAndScore(label: string, work: Workload, context: () => ScoringContext, keys: AttributeKeys): Promise<number[]> {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ctx = context();
    let failed = 0;
    const began = process.cpuUsage();
    for (const value of work.values) {
      const scoring = await scoreSession(decodeScoringRecord(value, keys), ctx);
      if (scoring.results[0]?.verdict.outcome === 'failed') failed++;
    }
    const ms = cpuMs(began);
    rates.push((work.values.length / ms) * 1_000);
    console.log(`${label}. decode + scoreSession, round ${round + 1}: ${work.values.length} sessions in ${ms.toFixed(0)} ms CPU = ${Math.round((work.values.length / ms) * 1_000).toLocaleString('en')} sessions/CPU-s (${((ms * 1_000) / work.values.length).toFixed(0)} µs a session; ${failed} failed)`);
  }
  return rates;
}

/**
 * B: the component as it runs, warm: a first pass over the sessions lets the JIT settle (a scorer runs
 * for hours), then PASSES measured passes; each pass publishes the sessions again under new keys.
 */
async function component(label: string, work: Workload, cfg: TracebarConfig): Promise<number[]> {
  const bus = await newBus(cfg);
  const scorer = createScorer({ config: cfg, bus, logger, registry: createMetricsRegistry() });
  await scorer.start();
  const rates: number[] = [];
  for (let pass = 0; pass <= PASSES; pass++) {
    const scoredBefore = scorer.stats().sessionsScored;
    await bus.publish(cfg.topics.sessions.name, work.values.map((value, i) => ({ key: `default/bench-${pass}-${i}`, value })));
    const began = process.cpuUsage();
    const wall = performance.now();
    await until('scored', () => scorer.stats().sessionsScored >= scoredBefore + work.values.length);
    const ms = cpuMs(began);
    const rate = (work.values.length / ms) * 1_000;
    if (pass > 0) rates.push(rate);
    const stats = scorer.stats();
    console.log(
      `${label}. component on the in-process bus, ${pass === 0 ? 'warm-up pass' : `pass ${pass}`}: ${work.values.length} sessions in ${ms.toFixed(0)} ms CPU (${(performance.now() - wall).toFixed(0)} ms wall) = ${Math.round(rate).toLocaleString('en')} sessions/CPU-s (${((ms * 1_000) / work.values.length).toFixed(0)} µs a session); ${stats.scoreRecords} score records, ${stats.reviewItems} review items, ${stats.alerts} alerts published so far`,
    );
  }
  await scorer.shutdown(AbortSignal.timeout(10_000));
  await bus.close();
  return rates;
}

async function main(): Promise<void> {
  const cfg = config();
  const evaluators = evaluatorTypes as ReadonlyMap<string, EvaluatorType>;
  const objectives = loadObjectives({ dir: '/nonexistent', evaluators, defaultEvaluators: DEFAULT_OBJECTIVE_EVALUATORS });
  console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; objective default@${objectives.fallback.version}: ${objectives.fallback.evaluators.map((e) => `${e.type}@${e.version}`).join(', ')}`);
  const airline = describe('tau-bench airline, replayed (A, B)', await makeSessions());
  const synthetic = describe('synthetic 30-span sessions (C, D)', syntheticSessions());
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
  const a = await decodeAndScore('A', airline, context, keys);
  // Where A's time goes, warm: the reader alone, the reader and the view, the old full decode alone.
  const perSession = (run: (value: Buffer) => unknown) => {
    const began = process.cpuUsage();
    for (const value of airline.values) run(value);
    return (cpuMs(began) * 1_000) / airline.values.length;
  };
  const read = perSession((value) => decodeScoringRecord(value, keys));
  const viewed = perSession((value) => buildSessionView(decodeScoringRecord(value, keys)));
  const full = perSession((value) => decodeSessionRecord(value));
  console.log(`A parts, per session: decodeScoringRecord ${read.toFixed(0)} µs, + buildSessionView ${(viewed - read).toFixed(0)} µs, the rest (evaluators, priority, score and review records) = round ${ROUNDS} minus these; the full decodeSessionRecord would take ${full.toFixed(0)} µs`);
  const b = await component('B', airline, cfg);
  const c = await decodeAndScore('C', synthetic, context, keys);
  const d = await component('D', synthetic, cfg);
  const line = (what: string, rate: number, work: Workload, target = '') =>
    console.log(`scorer, ${what}: ${Math.round(rate).toLocaleString('en')} sessions per CPU-second = ${Math.round((rate * work.spans) / 30).toLocaleString('en')} 30-span sessions per CPU-second by span count${target}`);
  line("airline, decode + score (A's median)", median(a), airline);
  line("airline, the component warm (B's median)", median(b), airline, ' (target >= 5,000)');
  line("synthetic 30-span, decode + score (C's median)", median(c), synthetic);
  line("synthetic 30-span, the component warm (D's median)", median(d), synthetic, ' (target >= 5,000)');
}

await main();
