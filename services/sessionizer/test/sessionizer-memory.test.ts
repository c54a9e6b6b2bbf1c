// The component on the in-process bus (the embedded mode): lifecycle, the whole path, the
// memory caps under sustained load, a stalled partition, metrics.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryBus, type Bus } from '@tracebar/bus';
import { CloseReason, decodeSessionRecord } from '@tracebar/proto';
import { createMetricsRegistry } from '@tracebar/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionizer } from '../src/index.js';
import { ensureTopics, keyOn, quietLogger, SessionsReader, startSessionizer, testConfig, waitFor } from './component-helpers.js';
import { llm, spanMessage, type SpanSpec } from './span-fixtures.js';

const buses: Bus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

async function setup(sessionizer: Record<string, unknown> = {}, extra: { sessionsMaxMessageBytes?: number; noReader?: boolean } = {}) {
  const bus = createMemoryBus({ maxPartitionMessages: 1_000_000, maxPartitionBytes: 512 * 1_048_576 });
  buses.push(bus);
  const config = testConfig({ spans: 'spans', sessions: 'sessions', group: 'sessionizer', sessionizer: { idleGapMs: 1_000, allowedLatenessMs: 2_000, ...sessionizer }, ...extra });
  await ensureTopics(bus, config);
  // The reader keeps every record it reads; the memory test brings its own.
  const reader = extra.noReader ? new SessionsReader() : await SessionsReader.start(bus, config.topics.sessions.name, 'reader');
  return { bus, config, reader, publish: (specs: SpanSpec[]) => bus.publish(config.topics.spans.name, specs.map(spanMessage)) };
}

/** Spans whose received times leave every session idle: one per partition, far in the future. */
const tick = (at: number, prefix = 'tick') => [0, 1, 2].map((p) => ({ session: keyOn(p, 3, prefix), spanId: '1', start: at, received: at }));

describe('sessionizer component, in-process bus', () => {
  it('starts fast, shuts down twice or without start, and never emits an open session at shutdown', async () => {
    const never = createSessionizer({ config: testConfig({ spans: 's', sessions: 'x', group: 'g' }), bus: () => createMemoryBus(), logger: quietLogger(), registry: createMetricsRegistry() });
    await never.shutdown(AbortSignal.timeout(1_000));

    const { bus, config, reader, publish } = await setup();
    const first = createSessionizer({ config, bus, logger: quietLogger(), registry: createMetricsRegistry() });
    expect((await first.readiness?.check())?.ready).toBe(false);
    await first.start();
    await first.subscribed();
    expect((await first.readiness?.check())?.ready).toBe(true);
    await publish([{ session: 'open', spanId: '1', start: 0 }, { session: 'open', spanId: '2', start: 10 }]);
    await waitFor('two spans absorbed', () => first.stats().openSessions === 1);
    await Promise.all([first.shutdown(AbortSignal.timeout(5_000)), first.shutdown(AbortSignal.timeout(5_000))]);
    expect((await first.readiness?.check())?.ready).toBe(false);
    expect(reader.records).toHaveLength(0);

    // The next instance re-reads the open session from the commit and closes it whole.
    const second = startSessionizer(bus, config);
    await second.subscribed();
    await publish(tick(5_000));
    await waitFor('the session', () => reader.sessions().some((s) => s.key === 'default/open'));
    expect(reader.sessions().filter((s) => s.key === 'default/open').map((s) => [s.revision, s.spans])).toEqual([[1, ['1', '2']]]);
    await second.shutdown(AbortSignal.timeout(5_000));
  });

  it('sessionizes interleaved sessions across partitions: out of order, idle, end marker, late revision', async () => {
    const { bus, config, reader, publish } = await setup();
    const registry = createMetricsRegistry();
    const sessionizer = startSessionizer(bus, config, registry);
    await sessionizer.subscribed();
    const specs: SpanSpec[] = [];
    for (let round = 0; round < 5; round++) {
      for (let s = 0; s < 9; s++) {
        // Start times run backwards in each round: arrival order is not span order.
        specs.push({ session: `s${s}`, spanId: String(5 - round), start: 100 - round * 10, end: 105 - round * 10, received: round * 50, genAi: round === 0 ? llm(`question ${s}`, `answer ${s}`) : undefined });
      }
    }
    specs.push({ session: 'ended', spanId: '1', start: 0, received: 300 }, { session: 'ended', spanId: '2', start: 5, received: 300, sessionEnd: true });
    await publish(specs);
    await publish(tick(2_500)); // s0..s8 are idle: 200 + 1000 < 2500; 'ended' quiet for the lateness
    await waitFor('ten sessions', () => reader.sessions().length >= 10);
    await publish([{ session: 's4', spanId: '6', start: 1, received: 2_600 }]);
    await publish(tick(9_000, 'tock'));
    await waitFor('the revision', () => reader.sessions().some((s) => s.revision === 2));

    const sessions = reader.sessions();
    const byKey = (key: string) => sessions.filter((s) => s.key === key).map((s) => [s.revision, s.record.closeReason, s.spans]);
    expect(byKey('default/s0')).toEqual([[1, CloseReason.CLOSE_REASON_IDLE, ['1', '2', '3', '4', '5']]]);
    expect(byKey('default/ended')).toEqual([[1, CloseReason.CLOSE_REASON_END_MARKER, ['1', '2']]]);
    expect(byKey('default/s4')).toEqual([
      [1, CloseReason.CLOSE_REASON_IDLE, ['1', '2', '3', '4', '5']],
      [2, CloseReason.CLOSE_REASON_IDLE, ['6', '1', '2', '3', '4', '5']],
    ]);
    expect(sessions.find((s) => s.key === 'default/s3')?.record.summary?.firstUserInput).toBe('question 3');
    // Keyed like spans, so on the partition the key hashes to, with the catalog's headers.
    const read = reader.records.find((r) => r.key === 'default/s3');
    expect(read?.headers).toEqual({ 'tracebar-schema': 'tracebar.v1.SessionRecord', 'content-type': 'application/x-protobuf' });
    expect(new Set(reader.records.map((r) => r.partition)).size).toBe(3);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/tracebar_sessionizer_sessions_closed_total\{reason="end_marker"\} 1/);
    expect(metrics).toMatch(/tracebar_sessionizer_late_spans_total 1/);
    expect(metrics).toMatch(/tracebar_sessionizer_revisions_total 1/);
    await sessionizer.shutdown(AbortSignal.timeout(5_000));
  });

  it('closes the sessions of a partition that stopped delivering, by the wall clock', async () => {
    const { bus, config, reader, publish } = await setup({ idleGapMs: 300, allowedLatenessMs: 200 });
    const sessionizer = startSessionizer(bus, config);
    await sessionizer.subscribed();
    const began = Date.now();
    await publish([{ session: 'stalled', spanId: '1', start: 0 }]);
    await waitFor('the stalled session', () => reader.sessions().length === 1, 5_000);
    // Silence of lateness (200 ms), then the gap (300 ms) of extended processing time.
    expect(Date.now() - began).toBeGreaterThanOrEqual(450);
    expect(reader.sessions()[0]?.record.closeReason).toBe(CloseReason.CLOSE_REASON_IDLE);
    await sessionizer.shutdown(AbortSignal.timeout(5_000));
  });

  it('splits a session over the topic message limit into parts that join back', async () => {
    const { bus, config, reader, publish } = await setup({}, { sessionsMaxMessageBytes: 16_384 });
    const sessionizer = startSessionizer(bus, config);
    await sessionizer.subscribed();
    await publish(Array.from({ length: 40 }, (_, i) => ({ session: 'big', spanId: String(i + 1), start: i, received: i, padding: 1_500 })));
    await publish(tick(5_000));
    await waitFor('the big session', () => reader.sessions().some((s) => s.key === 'default/big'));
    const parts = reader.records.filter((r) => r.key === 'default/big');
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.every((p) => p.value.length <= 16_384)).toBe(true);
    const big = reader.sessions().find((s) => s.key === 'default/big');
    expect(big?.spans).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
    expect(big?.record.summary?.spanCount).toBe(40);
    await sessionizer.shutdown(AbortSignal.timeout(5_000));
  });

  it('at the caps evicts the oldest sessions instead of growing: held bytes and heap stay flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const maxOpenBytes = 2 * 1_048_576;
    const { bus, config, publish } = await setup({ maxOpenSessions: 200, maxOpenBytes, revisionWindowMs: 0 }, { noReader: true });
    // A reader that keeps counts, not records, and commits: what a downstream consumer does.
    const seen = new Set<string>();
    let evicted = 0;
    const counter = await bus.subscribe({
      group: 'counter',
      topics: [config.topics.sessions.name],
      handler: async (batch) => {
        for (const r of batch.records) {
          const record = decodeSessionRecord(r.value);
          seen.add(r.key.toString());
          if (record.evicted && record.closeReason === CloseReason.CLOSE_REASON_EVICTED) evicted++;
        }
        await counter.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }]);
      },
    });
    const registry = createMetricsRegistry();
    const sessionizer = startSessionizer(bus, config, registry);
    await sessionizer.subscribed();
    let maxHeld = 0;
    let maxOpen = 0;
    const sample = setInterval(() => {
      const stats = sessionizer.stats();
      maxHeld = Math.max(maxHeld, stats.openBytes + stats.rememberedBytes);
      maxOpen = Math.max(maxOpen, stats.openSessions);
    }, 5);
    const heap: number[] = [];
    const buffers: number[] = [];
    let clock = 0;
    for (let wave = 0; wave < 6; wave++) {
      // 1,000 sessions of 3 spans of 2 KB, interleaved, none idle yet: far over both caps.
      for (let round = 0; round < 3; round++) {
        const specs: SpanSpec[] = [];
        for (let s = 0; s < 1_000; s++) specs.push({ session: `w${wave}-${s}`, spanId: String(round + 1), start: clock, received: (clock += 0.1), padding: 2_000 });
        await publish(specs);
      }
      clock += 1_500;
      await publish(tick(clock, `tick${wave}`));
      clock += 100;
      await waitFor(`wave ${wave}`, () => seen.size >= 1_000 * (wave + 1) + 3 * wave, 20_000);
      gc();
      const usage = process.memoryUsage();
      heap.push(usage.heapUsed);
      buffers.push(usage.arrayBuffers);
    }
    clearInterval(sample);
    expect(evicted).toBeGreaterThan(4_000);
    expect(maxOpen).toBeLessThanOrEqual(200);
    expect(maxHeld).toBeLessThanOrEqual(maxOpenBytes);
    // After the first wave, more sessions do not mean more memory: the sessionizer holds at most
    // its caps, and commits, so the in-process bus frees the spans too (6,000 sessions went
    // through, 36 MB of spans).
    expect(Math.max(...heap.slice(1)) - (heap[0] as number)).toBeLessThan(8 * 1_048_576);
    expect(Math.max(...buffers)).toBeLessThan(64 * 1_048_576);
    expect(await registry.metrics()).toMatch(/tracebar_sessionizer_evictions_total [1-9]\d{3}/);
    await sessionizer.shutdown(AbortSignal.timeout(5_000));
  });
});
