// The scorer on the real broker, SIGKILLed after scoring without committing: the next member of
// the group scores the uncommitted sessions again, with the same results, and loses none.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createKafkaBus, type Bus } from '@tracebar/bus';
import { configSchema } from '@tracebar/config';
import { loadDataset, toOtlpRequests } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { decodeScoreRecord, encodeSessionRecord, sessionRecordKey, type ScoreRecord } from '@tracebar/proto';
import { createMetricsRegistry } from '@tracebar/runtime';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createScorer } from '../src/index.js';
import { quietLogger, repoConfig, waitFor } from './support/pipeline.js';

const brokers = inject('kafkaBrokers').split(',');
const buses: Bus[] = [];
afterAll(async () => {
  for (const bus of buses) await bus.close();
});

/**
 * What a re-scoring must reproduce: everything but the time it was scored and what depends on the
 * instance's rolling baseline (session_shape, and through it the verdict's weighted score). A
 * required evaluator never reads the baseline in the default objective, so the verdict holds.
 */
function content(score: ScoreRecord): string {
  const json = score.toJSON() as { scoredTimeUnixNano?: unknown; verdict?: { score?: unknown }; scores?: { evaluatorType?: string; durationNano?: unknown }[] };
  delete json.scoredTimeUnixNano;
  if (json.verdict) delete json.verdict.score;
  json.scores = (json.scores ?? []).filter((s) => s.evaluatorType !== 'session_shape');
  for (const s of json.scores) delete s.durationNano;
  return JSON.stringify(json);
}

describe('scorer on Kafka, killed with SIGKILL before committing', () => {
  it('the next member scores the uncommitted sessions again, identically, and none is lost', async () => {
    const suffix = `${process.pid}-${Date.now()}`;
    const names = { spans: `spans-${suffix}`, sessions: `sessions-${suffix}`, scores: `scores-${suffix}`, review: `review-${suffix}`, alerts: `alerts-${suffix}` };
    const raw = {
      topics: Object.fromEntries(Object.entries(names).map(([role, name]) => [role, { name, partitions: 3, retentionMs: 3_600_000, maxMessageBytes: 8_388_608 }])),
      // The first batch commits; later ones would only after a minute: the kill loses their commits.
      scorer: { consumerGroup: `scorer-kill-${suffix}`, commitIntervalMs: 60_000, objectivesDir: `${repoConfig}/objectives`, taxonomyFile: `${repoConfig}/taxonomy.yaml` },
    };
    const config = configSchema.parse(raw);
    const bus = createKafkaBus({ brokers, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 200, fetchMaxWaitMs: 100 });
    buses.push(bus);
    await bus.ensureTopics(Object.values(raw.topics));
    const imported = await loadDataset('openai-messages', fileURLToPath(new URL('../../../../shared/datasets/tau-bench-airline/gpt-4o-airline.json', import.meta.url)));
    const records = replaySessions(toOtlpRequests(imported.slice(0, 60)));
    expect(records).toHaveLength(60);
    await bus.publish(
      names.sessions,
      records.map((record) => ({ key: sessionRecordKey(record.tenant, record.sessionKey), value: Buffer.from(encodeSessionRecord(record)) })),
    );

    const fixture = fileURLToPath(new URL('./fixtures/scorer-until-killed.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fixture, brokers.join(','), JSON.stringify(raw)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('scored 60\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`scorer child exited early:\n${out}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const scores: ScoreRecord[] = [];
    const reader = await bus.subscribe({
      group: `scores-reader-${suffix}`,
      topics: [names.scores],
      handler: (batch) => {
        for (const r of batch.records) scores.push(decodeScoreRecord(r.value));
        return Promise.resolve();
      },
    });
    await waitFor('the killed scorer\'s 60 score records', () => scores.length >= 60, 30_000);
    const firstRun = scores.length;

    const next = createScorer({ config, bus, logger: quietLogger(), registry: createMetricsRegistry() });
    await next.start();
    // The dead member holds its partitions until its session times out (6 s); then the rest comes again.
    await waitFor('the uncommitted sessions scored again', () => next.stats().sessionsScored > 0 && scores.length >= firstRun + next.stats().scoreRecords, 45_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await next.shutdown(AbortSignal.timeout(10_000));
    await reader.close();

    const rescored = next.stats().sessionsScored;
    expect(rescored).toBeGreaterThan(0);
    expect(rescored).toBeLessThan(60); // the first batch of each partition was committed
    expect(scores).toHaveLength(60 + rescored);
    const bySession = new Map<string, string[]>();
    for (const score of scores) bySession.set(score.sessionKey, [...(bySession.get(score.sessionKey) ?? []), content(score)]);
    expect(bySession.size).toBe(60);
    for (const [session, versions] of bySession) {
      expect(new Set(versions).size, session).toBe(1);
    }
  }, 120_000);
});
