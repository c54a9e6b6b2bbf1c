import { join } from 'node:path';
import { createMemoryBus, type Bus, type BusRecord } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import { decodeDeadLetter, recordHeaders, ReviewStatus, topicCatalog, type DeadLetter } from '@tracebar/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentSpan, label, labelMessage, reviewItem, reviewMessage, scoreMessage, scoreRecord, sessionMessage, sessionRecord, spanMessage } from './support/messages.js';
import { metricValue, startSink, testConfig, waitFor } from './support/sink-harness.js';
import { count, makeTempDir, openStore, rows } from './support/store.js';
import { topicSpecs } from './support/topics.js';

// One chDB folder for the file (one per process); one database per test.
const temp = makeTempDir('sink');
const stores: ClickHouse[] = [];
const buses: Bus[] = [];
let dbIndex = 0;

async function freshStore(): Promise<ClickHouse> {
  const ch = await openStore(join(temp.path, 'data'), `sink_${dbIndex++}`);
  stores.push(ch);
  return ch;
}

function memoryBus(): Bus {
  const bus = createMemoryBus();
  buses.push(bus);
  return bus;
}

/** Subscribes a reader to the dead-letter topic (the memory bus keeps records for groups that exist). */
async function deadLetterReader(bus: Bus, topic: string): Promise<DeadLetter[]> {
  const seen: DeadLetter[] = [];
  await bus.subscribe({ group: `dl-reader-${Date.now()}`, topics: [topic], handler: async (batch) => void seen.push(...batch.records.map((r: BusRecord) => decodeDeadLetter(r.value))) });
  return seen;
}

afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

afterAll(async () => {
  for (const ch of stores) await ch.close();
  temp.remove();
});

beforeAll(() => {
  // Keeps the unused import honest when a test is filtered out.
  expect(topicCatalog.deadLetter.topic).toBe('tracebar.deadletter.v1');
});

describe('sink on the in-process bus and chDB', () => {
  it('writes every topic to its tables in bounded batches and commits what it wrote', async () => {
    const store = await freshStore();
    const bus = memoryBus();
    const config = testConfig({ maxBatchRows: 100 });
    await bus.ensureTopics(topicSpecs(config));
    const { sink, registry } = startSink(config, bus, store);
    await sink.start();

    const spans = Array.from({ length: 600 }, (_, i) => agentSpan({ sessionKey: `s${i % 12}`, index: i, ...(i % 5 === 0 ? { tool: 'search_flights', error: i % 10 === 0 } : {}) }));
    await bus.publish(config.topics.spans.name, spans.map(spanMessage));
    await bus.publish(config.topics.sessions.name, [
      sessionMessage(sessionRecord({ sessionKey: 's1' })),
      sessionMessage(sessionRecord({ sessionKey: 's1', revision: 2 })),
      sessionMessage(sessionRecord({ sessionKey: 'big', partIndex: 0, partCount: 2 })),
      sessionMessage(sessionRecord({ sessionKey: 'big', partIndex: 1, partCount: 2 })),
    ]);
    await bus.publish(config.topics.scores.name, [
      scoreMessage(scoreRecord({ sessionKey: 's1', outcome: 'passed', evaluators: [{ id: 'tools', outcome: 'passed' }, { id: 'judge', outcome: 'passed' }] })),
      scoreMessage(scoreRecord({ sessionKey: 's2', outcome: 'failed', patterns: [['tool_failure', 'silent_failure']] })),
    ]);
    await bus.publish(config.topics.review.name, [reviewMessage(reviewItem({ sessionKey: 's2', priority: 0.9 }))]);
    await bus.publish(config.topics.labels.name, [labelMessage(label({ labelId: 'l1', sessionKey: 's2', outcome: 'failed', pattern: ['tool_failure', 'silent_failure'] }))]);

    const counts = async () => Promise.all(['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'labels'].map((t) => count(store, t)));
    await waitFor('every row', async () => (await counts()).join() === '600,3,2,3,1,1');
    expect(await count(store, 'sessions')).toBe(3); // s1 r1, s1 r2, big (part 1 carries no row)
    expect(await count(store, 'verdicts')).toBe(2);
    expect(await count(store, 'scores')).toBe(3);
    expect(await rows(store, "SELECT outcome, failed_patterns, failed_subtypes FROM verdicts WHERE session_key = 's2'")).toEqual([
      { outcome: 'failed', failed_patterns: ['tool_failure'], failed_subtypes: ['silent_failure'] },
    ]);
    expect(await rows(store, "SELECT status, priority, reasons.code AS codes FROM review_items")).toEqual([{ status: 'open', priority: 0.9, codes: ['failed_required_evaluator'] }]);
    expect(await rows(store, "SELECT count() AS errors FROM spans WHERE gen_ai_tool_name = 'search_flights' AND status_code = 'error'")).toEqual([{ errors: '60' }]);

    // Batches: one insert per table and topic partition range, none above maxBatchRows.
    const spanInserts = await metricValue(registry, 'tracebar_sink_batch_rows', { table: 'spans' });
    expect(spanInserts).toBeGreaterThanOrEqual(6);
    const histogram = await registry.getSingleMetric('tracebar_sink_batch_rows')?.get();
    const spanBuckets = histogram?.values.filter((v) => v.labels['table'] === 'spans' && (v as { metricName?: string }).metricName === 'tracebar_sink_batch_rows_bucket');
    expect(spanBuckets?.find((v) => v.labels['le'] === 100)?.value).toBe(spanInserts);
    expect(await metricValue(registry, 'tracebar_sink_rows_total', { table: 'spans' })).toBe(600);
    expect(await metricValue(registry, 'tracebar_sink_skipped_records_total')).toBe(1);

    await sink.shutdown(AbortSignal.timeout(10_000));
    // Everything was committed: the group has nothing left to read.
    const leftover: BusRecord[] = [];
    await bus.subscribe({ group: config.sink.consumerGroup, topics: [config.topics.spans.name, config.topics.scores.name], handler: async (b) => void leftover.push(...b.records) });
    await new Promise((r) => setTimeout(r, 300));
    expect(leftover).toEqual([]);
  });

  it('dead-letters what no retry can fix, with the reason, while its neighbours land', async () => {
    const store = await freshStore();
    const bus = memoryBus();
    const config = testConfig({ topics: ['spans', 'review'] });
    await bus.ensureTopics(topicSpecs(config));
    const dead = await deadLetterReader(bus, config.topics.deadLetter.name);
    const { sink, registry } = startSink(config, bus, store);
    await sink.start();

    const good = (i: number) => spanMessage(agentSpan({ sessionKey: 'dl', index: i }));
    const key = Buffer.from('acme/dl');
    await bus.publish(config.topics.spans.name, [
      good(0),
      { key, value: Buffer.from('definitely not protobuf'), headers: recordHeaders(topicCatalog.spans) },
      good(1),
      spanMessage({ tenant: 'acme', sessionKey: 'dl', traceId: 'ab' }), // no span id
      { ...good(2), headers: recordHeaders(topicCatalog.scores) }, // another topic's schema
      good(3),
    ]);
    await bus.publish(config.topics.review.name, [
      { key, value: Buffer.from('{"tenant":'), headers: recordHeaders(topicCatalog.review) },
      reviewMessage(reviewItem({ sessionKey: 'dl', priority: 0.5 })),
    ]);

    await waitFor('neighbours and dead letters', async () => (await count(store, 'spans')) === 3 && (await count(store, 'review_items')) === 1 && dead.length === 4);
    expect(dead.map((d) => [d.topic, Number(d.offset), d.errorCode]).sort()).toEqual(
      [
        [config.topics.review.name, 0, 'DECODE_FAILED'],
        [config.topics.spans.name, 1, 'DECODE_FAILED'],
        [config.topics.spans.name, 3, 'SCHEMA_INVALID'],
        [config.topics.spans.name, 4, 'SCHEMA_INVALID'],
      ].sort(),
    );
    const garbage = dead.find((d) => Number(d.offset) === 1 && d.topic === config.topics.spans.name);
    expect(Buffer.from(garbage?.value ?? []).toString()).toBe('definitely not protobuf');
    expect(garbage).toMatchObject({ consumerGroup: 'tracebar-sink', service: 'sink', attempts: 1 });
    expect(Buffer.from(garbage?.key ?? []).toString()).toBe('acme/dl');
    expect(dead.find((d) => Number(d.offset) === 4)?.errorMessage).toMatch(/tracebar\.v1\.ScoreRecord/);
    expect(await rows(store, 'SELECT span_id FROM spans ORDER BY start_time')).toHaveLength(3);
    expect(await metricValue(registry, 'tracebar_sink_dead_lettered_total')).toBe(4);
    await sink.shutdown(AbortSignal.timeout(10_000));
  });

  // Spans as the engine reads them (framed SpanRecords), and transcoded (the way of small inserts).
  it.each([
    ['framed for the engine', { spanProtobufMinRows: 1 }],
    ['transcoded', {}],
  ] as const)('after a crash between insert and commit, the next sink repeats the inserts and ClickHouse drops them (spans %s)', async (_, spanOptions) => {
    const store = await freshStore();
    const bus = memoryBus();
    const config = testConfig({ maxBatchRows: 50, topics: ['spans', 'scores'] });
    await bus.ensureTopics(topicSpecs(config));
    let crash: ((error: Error) => void) | undefined;
    let handed = 0;
    const first = startSink(config, bus, store, {
      ...spanOptions,
      hooks: {
        // Earlier cycles commit; the one that completes the input stops before its commit, as a
        // process killed there would.
        beforeCommit: (ranges) => {
          handed += ranges.reduce((n, r) => n + r.records.length, 0);
          if (handed < 420) return Promise.resolve();
          return new Promise((_, reject) => {
            crash = reject;
          });
        },
      },
    });
    await first.sink.start();
    await bus.publish(config.topics.spans.name, Array.from({ length: 400 }, (_, i) => spanMessage(agentSpan({ sessionKey: `k${i % 7}`, index: i }))));
    await bus.publish(config.topics.scores.name, Array.from({ length: 20 }, (_, i) => scoreMessage(scoreRecord({ sessionKey: `k${i}`, outcome: 'failed', evaluators: [{ id: 'a', outcome: 'failed' }, { id: 'b', outcome: 'passed' }] }))));
    // Rows show as each insert ends; the cycle reaches its commit only after its last insert.
    await waitFor('every row inserted, the last commit pending', async () => crash !== undefined && (await count(store, 'spans')) === 400 && (await count(store, 'scores')) === 40);
    const stopped = first.sink.shutdown(AbortSignal.abort());
    crash?.(new Error('killed before commit'));
    await stopped;

    // Other batch bounds than the first sink's: only the insert log can make its ranges match.
    const second = startSink(testConfig({ maxBatchRows: 30, topics: ['spans', 'scores'] }, config.topics), bus, store, spanOptions);
    await second.sink.start();
    await waitFor('the redelivered records written again', async () => (await metricValue(second.registry, 'tracebar_sink_consumed_records_total')) >= 1 && second.sink.stats().bufferedRows === 0, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await metricValue(second.registry, 'tracebar_sink_replayed_ranges_total')).toBeGreaterThan(0);
    expect(await metricValue(second.registry, 'tracebar_sink_rows_total')).toBeGreaterThan(0);
    // Without FINAL: ClickHouse dropped the repeated inserts.
    expect(await count(store, 'spans')).toBe(400);
    expect(await count(store, 'scores')).toBe(40);
    expect(await count(store, 'verdicts')).toBe(20);
    expect(await rows(store, 'SELECT uniqExact(span_id) AS n FROM spans')).toEqual([{ n: '400' }]);
    await second.sink.shutdown(AbortSignal.timeout(10_000));
  });

  it('pauses while ClickHouse refuses writes, keeps memory bounded, and resumes with nothing lost', async () => {
    const real = await freshStore();
    let down = false;
    const failing = new Proxy(real.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })) : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const store: ClickHouse = { ...real, client: failing, ping: async () => !down && (await real.ping()), close: real.close };
    const bus = memoryBus();
    const maxBufferedBytes = 256 * 1024;
    const config = testConfig({ maxBatchRows: 200, maxBatchBytes: 32 * 1024, maxBufferedBytes, topics: ['spans'] });
    await bus.ensureTopics(topicSpecs(config));
    const { sink, registry } = startSink(config, bus, store);
    await sink.start();

    const spans = Array.from({ length: 3_000 }, (_, i) => spanMessage(agentSpan({ sessionKey: `o${i % 9}`, index: i })));
    await bus.publish(config.topics.spans.name, spans.slice(0, 30));
    await waitFor('the first spans', async () => (await count(real, 'spans')) === 30);

    down = true;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, sink.stats().bufferedBytes)), 5);
    const publishing = bus.publish(config.topics.spans.name, spans.slice(30));
    await waitFor('paused', () => sink.stats().paused);
    await publishing;
    await new Promise((r) => setTimeout(r, 500));
    expect(await metricValue(registry, 'tracebar_sink_paused')).toBe(1);
    expect(await sink.readiness?.check()).toMatchObject({ ready: false });
    expect(await metricValue(registry, 'tracebar_sink_retries_total')).toBeGreaterThan(1);
    // The bound, plus at most the one bus batch that arrived before it was reached.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxBufferedBytes + 2 * 32 * 1024);
    const consumedWhileDown = await metricValue(registry, 'tracebar_sink_consumed_records_total');
    expect(consumedWhileDown).toBeLessThan(3_000);

    down = false;
    await waitFor('every span after recovery', async () => (await count(real, 'spans')) === 3_000, 30_000);
    clearInterval(sampler);
    await waitFor('resumed', () => !sink.stats().paused);
    expect(await sink.readiness?.check()).toEqual({ ready: true });
    expect(await rows(real, 'SELECT uniqExact(span_id) AS n FROM spans')).toEqual([{ n: '3000' }]);
    await sink.shutdown(AbortSignal.timeout(10_000));
  });

  it('shuts down safely twice, or without start, and leaves no timer behind', async () => {
    const store = await freshStore();
    const bus = memoryBus();
    const config = testConfig({ topics: ['spans'], flushIntervalMs: 60_000 });
    await bus.ensureTopics(topicSpecs(config));
    const idle = startSink(config, bus, store);
    await idle.sink.shutdown(AbortSignal.timeout(1_000));

    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { sink } = startSink(config, bus, store);
    await sink.start();
    await bus.publish(config.topics.spans.name, [spanMessage(agentSpan({ sessionKey: 'life', index: 0 }))]);
    await waitFor('buffered', () => sink.stats().bufferedRows === 1);
    // Shutdown writes what is buffered although the flush interval is far off.
    const first = sink.shutdown(AbortSignal.timeout(10_000));
    const second = sink.shutdown(AbortSignal.timeout(10_000));
    expect(second).toBe(first);
    await first;
    expect(await count(store, 'spans')).toBe(1);
    expect(sink.stats().bufferedBytes).toBe(0);
    await sink.start(); // no effect after shutdown
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('keeps review status changes as one row per item under FINAL', async () => {
    const store = await freshStore();
    const bus = memoryBus();
    const config = testConfig({ topics: ['review'] });
    await bus.ensureTopics(topicSpecs(config));
    const { sink } = startSink(config, bus, store);
    await sink.start();
    // Two separate inserts (within one insert, ClickHouse already keeps only the latest).
    await bus.publish(config.topics.review.name, [reviewMessage(reviewItem({ sessionKey: 'r1', priority: 0.7 }))]);
    await waitFor('the first item', async () => (await count(store, 'review_items')) === 1);
    await bus.publish(config.topics.review.name, [reviewMessage(reviewItem({ sessionKey: 'r1', priority: 0.7, status: ReviewStatus.REVIEW_STATUS_LABELED, createdOffsetMs: 500_000 }))]);
    await waitFor('both items', async () => (await count(store, 'review_items')) === 2);
    expect(await rows(store, "SELECT status FROM review_items FINAL WHERE tenant = 'acme'")).toEqual([{ status: 'labeled' }]);
    await sink.shutdown(AbortSignal.timeout(10_000));
  });
});
