// Micro-benchmark: 30-span agent sessions evaluated per CPU-second by the deterministic evaluators of the
// default objective, buildSessionView and the review priority included (issue 6 target for the scorer:
// >= 5,000 sessions per CPU-second). Decoding the SessionRecord is the scorer's and is measured apart.
//   npm run bench -w @tracebar/evaluators
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadDataset, toOtlpRequests } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { decodeSessionRecord, encodeSessionRecord } from '@tracebar/proto';
import {
  DEFAULT_MODEL_WINDOWS,
  DEFAULT_OBJECTIVE_EVALUATORS,
  RollingBaseline,
  buildSessionView,
  evaluatorTypes,
  reviewPriority,
  type DeterministicEvaluatorType,
  type EvaluatorDeps,
  type ScoredEvaluation,
} from '../src/index.js';
import { thirtySpanSession } from './thirty-span-sessions.js';
import { scoreView } from './score-sessions.js';

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
}

const SESSIONS = 256;
const records = Array.from({ length: SESSIONS }, (_, i) => decodeSessionRecord(encodeSessionRecord(thirtySpanSession(i))));
const bytes = records.map((record) => encodeSessionRecord(record));
const spans = records[0]!.spans!.length;
const baseline = new RollingBaseline();
for (const record of records.slice(0, 64)) baseline.observe(buildSessionView(record));
const snapshot = baseline.snapshot();
const deps: EvaluatorDeps = { signal: new AbortController().signal, fetch: globalThis.fetch, modelWindows: DEFAULT_MODEL_WINDOWS, baseline: snapshot, now: Date.now };
const views = records.map((record) => buildSessionView(record));

const rounds = Number(process.env.ROUNDS ?? 40);
const total = rounds * SESSIONS;
const measure = (name: string, each: (i: number) => void, repeat = 3): number => {
  for (let i = 0; i < SESSIONS * 4; i++) each(i % SESSIONS); // warm up
  const samples: number[] = [];
  for (let r = 0; r < repeat; r++) samples.push(cpuMs(() => {
    for (let i = 0; i < total; i++) each(i % SESSIONS);
  }));
  samples.sort((a, b) => a - b);
  const perSession = (samples[Math.floor(samples.length / 2)]! * 1_000) / total;
  console.log(`  ${name.padEnd(34)} ${perSession.toFixed(2).padStart(7)} µs/session   ${Math.round(1e6 / perSession).toLocaleString('en-US').padStart(9)} sessions/CPU-s`);
  return perSession;
};

console.log(`node ${process.version}; ${SESSIONS} distinct sessions of ${spans} spans (${Math.round(bytes.reduce((t, b) => t + b.length, 0) / SESSIONS / 1024)} KiB encoded each), ${total.toLocaleString('en-US')} evaluations per sample, median of 3; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let sink = 0;
measure('decodeSessionRecord (scorer, apart)', (i) => { sink += decodeSessionRecord(bytes[i]!).spans!.length; });
measure('buildSessionView', (i) => { sink += buildSessionView(records[i]!).timeline.length; });
for (const item of DEFAULT_OBJECTIVE_EVALUATORS) {
  const type = evaluatorTypes.get(item.type) as DeterministicEvaluatorType;
  const params = type.params.parse(item.params);
  measure(`  ${item.type}`, (i) => { sink += type.evaluate(views[i]!, params, deps).score; });
}
const all = measure('view + all default evaluators + priority', (i) => { sink += scoreView(buildSessionView(records[i]!), baseline).priority; });
console.log(`=> ${Math.round(1e6 / all).toLocaleString('en-US')} sessions of ${spans} spans per CPU-second (target for the scorer >= 5,000; ${all.toFixed(1)} µs per session)`);

// Real sessions: the tau-bench airline set (200 GPT-4o conversations, ~25 messages, a 6 KB system prompt),
// replayed through the ingest normalizer and sessionizer. Sessions one after the other as the scorer does
// (view, every evaluator, priority), so that what evaluators share (word sets, parsed arguments) is shared
// as in production; CPU time of the whole by process.cpuUsage, split per step by the clock around each.
const AIRLINE = `${process.env.TRACEBAR_DATASETS ?? '/work/shared/datasets'}/tau-bench-airline/gpt-4o-airline.json`;
if (existsSync(AIRLINE)) {
  const airline = replaySessions(toOtlpRequests(await loadDataset('openai-messages', AIRLINE)));
  const airlineBaseline = new RollingBaseline();
  for (const record of airline) airlineBaseline.observe(buildSessionView(record));
  const airlineSnapshot = airlineBaseline.snapshot();
  const airlineDeps: EvaluatorDeps = { ...deps, baseline: airlineSnapshot };
  const prepared = DEFAULT_OBJECTIVE_EVALUATORS.map((item) => {
    const type = evaluatorTypes.get(item.type) as DeterministicEvaluatorType;
    return { item, type, params: type.params.parse(item.params) };
  });
  const steps = ['buildSessionView', ...prepared.map(({ item }) => item.type), 'reviewPriority'];
  const airlineRounds = Number(process.env.AIRLINE_ROUNDS ?? 15);
  const split = steps.map((): number[] => []);
  const cpu: number[] = [];
  const clock = () => Number(process.hrtime.bigint());
  for (let round = -3; round < airlineRounds; round++) {
    const spent = steps.map(() => 0);
    const start = process.cpuUsage();
    for (let pass = 0; pass < 3; pass++) {
      for (const record of airline) {
        let t = clock();
        const view = buildSessionView(record);
        spent[0]! += clock() - t;
        const scored: ScoredEvaluation[] = [];
        for (const [k, { item, type, params }] of prepared.entries()) {
          t = clock();
          const evaluation = type.evaluate(view, params, airlineDeps);
          spent[k + 1]! += clock() - t;
          scored.push({ evaluatorId: item.id, type: item.type, required: item.required, weight: item.weight, evaluation });
        }
        t = clock();
        sink += reviewPriority(view, scored, airlineSnapshot).priority;
        spent[steps.length - 1]! += clock() - t;
      }
    }
    if (round < 0) continue; // warm-up
    const used = process.cpuUsage(start);
    const perSession = (used.user + used.system) / 3 / airline.length;
    const wall = spent.reduce((a, b) => a + b, 0);
    cpu.push(perSession);
    // Each step's share of the CPU time: its share of the clock.
    spent.forEach((ns, k) => split[k]!.push((perSession * ns) / wall));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`tau-bench airline: ${airline.length} sessions (${Math.round(airline.reduce((t, r) => t + (r.spans?.length ?? 0), 0) / airline.length)} spans on average), one after the other as the scorer does, median of ${airlineRounds} rounds of 3 passes; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  steps.forEach((step, k) => console.log(`  ${step.padEnd(34)} ${median(split[k]!).toFixed(1).padStart(7)} µs/session`));
  const evaluatorsAndPriority = median(cpu.map((total, i) => total - split[0]![i]!));
  console.log(`  ${'evaluators + priority'.padEnd(34)} ${evaluatorsAndPriority.toFixed(1).padStart(7)} µs/session; with the view ${median(cpu).toFixed(1)} µs/session`);
}
if (sink === Number.MIN_VALUE) console.log('');
