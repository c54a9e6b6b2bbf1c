import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaBus, type Bus } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { agentSpan, scoreMessage, scoreRecord, spanMessage } from './support/messages.js';
import { metricValue, startSink, testConfig, uniqueTopics, waitFor } from './support/sink-harness.js';
import { count, makeTempDir, openStore, rows } from './support/store.js';
import { topicSpecs } from './support/topics.js';

const brokers = inject('kafkaBrokers').split(',');
const temp = makeTempDir('kill');
const buses: Bus[] = [];
let store: ClickHouse | undefined;

afterAll(async () => {
  for (const bus of buses) await bus.close();
  await store?.close();
  temp.remove();
});

describe('sink on Kafka, killed with SIGKILL between insert and commit', () => {
  it('the next member of the group repeats the uncommitted inserts, and ClickHouse keeps one copy', async () => {
    const topics = uniqueTopics('kill');
    const config = testConfig({ maxBatchRows: 100, topics: ['spans', 'scores'], consumerGroup: `sink-kill-${process.pid}-${Date.now()}` }, topics);
    const bus = createKafkaBus({ brokers, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 200, fetchMaxWaitMs: 100 });
    buses.push(bus);
    await bus.ensureTopics(topicSpecs(config));
    await bus.publish(config.topics.spans.name, Array.from({ length: 600 }, (_, i) => spanMessage(agentSpan({ sessionKey: `kill-${i % 11}`, index: i }))));
    await bus.publish(config.topics.scores.name, Array.from({ length: 30 }, (_, i) => scoreMessage(scoreRecord({ sessionKey: `kill-${i}`, outcome: 'passed', evaluators: [{ id: 'a', outcome: 'passed' }, { id: 'b', outcome: 'passed' }] }))));

    const dataPath = join(temp.path, 'data');
    const fixture = fileURLToPath(new URL('./fixtures/sink-until-killed.ts', import.meta.url));
    const rawConfig = { topics, sink: { maxBatchRows: 100, flushIntervalMs: 100, topics: ['spans', 'scores'], consumerGroup: config.sink.consumerGroup } };
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, brokers.join(','), JSON.stringify(rawConfig), dataPath, '630'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('inserted, not committed')) resolve();
      });
      child.on('exit', () => reject(new Error(`sink child exited early:\n${out}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Earlier cycles committed; the last one did not.
    expect(out.match(/^cycle /gm)?.length ?? 0).toBeGreaterThan(1);

    // chDB's folder lock went with the process: this one opens it.
    store = await openStore(dataPath);
    expect(await count(store, 'spans')).toBe(600);
    expect(await count(store, 'scores')).toBe(60);

    // Other batch bounds than the killed sink's: only the insert log can make its ranges match.
    const { sink, registry } = startSink(testConfig({ maxBatchRows: 70, topics: ['spans', 'scores'], consumerGroup: config.sink.consumerGroup }, topics), bus, store);
    await sink.start();
    // The dead member keeps its partitions until its session times out (6 s).
    await waitFor('the uncommitted records, read and written again', async () => (await metricValue(registry, 'tracebar_sink_replayed_ranges_total')) > 0 && sink.stats().bufferedRows === 0 && (await metricValue(registry, 'tracebar_sink_flush_duration_seconds')) > 0, 40_000);
    expect(await metricValue(registry, 'tracebar_sink_consumed_records_total')).toBeGreaterThan(0);
    expect(await count(store, 'spans')).toBe(600);
    expect(await count(store, 'scores')).toBe(60);
    expect(await count(store, 'verdicts')).toBe(30);
    expect(await rows(store, 'SELECT uniqExact(span_id) AS n FROM spans')).toEqual([{ n: '600' }]);
    await sink.shutdown(AbortSignal.timeout(15_000));
  });
});
