// The component on the real Kafka broker: the whole path, large sessions, kill -9 and restart,
// two instances and a rebalance. Fresh topics and groups per test.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createKafkaBus, type Bus, type KafkaBusOptions } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import { CloseReason } from '@tracebar/proto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureTopics, keyOn, SessionsReader, startSessionizer, testConfig, waitFor } from './component-helpers.js';
import { llm, spanMessage, type SpanSpec } from './span-fixtures.js';

const brokers = inject('kafkaBrokers').split(',');
const run = randomUUID().slice(0, 8);
const created: string[] = [];
const fast: Partial<KafkaBusOptions> = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 200, rebalanceTimeoutMs: 10_000, fetchMaxWaitMs: 100, retryDelayMs: 100, requestTimeoutMs: 10_000 };
const createBus = (): Bus => createKafkaBus({ brokers, clientId: `sessionizer-test-${run}`, ...fast });

function names(label: string, options: { partitions?: number; sessionsMaxMessageBytes?: number; sessionizer?: Record<string, unknown> } = {}): TracebarConfig {
  const id = `${label}.${run}.${randomUUID().slice(0, 6)}`;
  created.push(`test.sessionizer.spans.${id}`, `test.sessionizer.sessions.${id}`);
  return testConfig({
    spans: `test.sessionizer.spans.${id}`,
    sessions: `test.sessionizer.sessions.${id}`,
    group: `test-sessionizer-${id}`,
    ...options,
    sessionizer: { idleGapMs: 1_000, allowedLatenessMs: 5_000, revisionWindowMs: 60_000, ...options.sessionizer },
  });
}

afterAll(async () => {
  const admin = new Kafka({ clientId: `cleanup-${run}`, brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const ours = created.filter((name) => existing.has(name));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
});

/** One span per partition, received at `at`: every session there older than the idle gap closes. */
const tick = (at: number, partitions: number, prefix: string): SpanSpec[] =>
  Array.from({ length: partitions }, (_, p) => ({ session: keyOn(p, partitions, prefix), spanId: '1', start: at, received: at }));

const publisher = (bus: Bus, config: TracebarConfig) => (specs: SpanSpec[]) => bus.publish(config.topics.spans.name, specs.map(spanMessage));

/** Every revision read must have one content, whatever the number of times it was emitted. */
function oneContentPerRevision(reader: SessionsReader): Map<string, { spans: string[]; emitted: number; closeReason: number }> {
  const byIdentity = new Map<string, { digest: string; spans: string[]; emitted: number; closeReason: number }>();
  for (const session of reader.sessions()) {
    const identity = `${session.key}#${session.revision}`;
    const known = byIdentity.get(identity);
    if (known) {
      expect(session.digest, identity).toBe(known.digest);
      known.emitted++;
    } else byIdentity.set(identity, { digest: session.digest, spans: session.spans, emitted: 1, closeReason: session.record.closeReason });
  }
  return byIdentity;
}

describe('sessionizer on Kafka', () => {
  it('sessionizes interleaved sessions across partitions: out of order, idle, end marker, late revision', async () => {
    const bus = createBus();
    try {
      const config = names('pipeline');
      await ensureTopics(bus, config);
      const reader = await SessionsReader.start(bus, config.topics.sessions.name, `${config.sessionizer.consumerGroup}-reader`);
      const sessionizer = startSessionizer(bus, config);
      await sessionizer.subscribed();
      const publish = publisher(bus, config);
      const specs: SpanSpec[] = [];
      for (let round = 0; round < 4; round++) {
        for (let s = 0; s < 9; s++) specs.push({ session: `s${s}`, spanId: String(4 - round), start: 100 - round * 10, received: round * 50, genAi: round === 0 ? llm(`question ${s}`, `answer ${s}`) : undefined });
      }
      specs.push({ session: 'ended', spanId: '1', start: 0, received: 200 }, { session: 'ended', spanId: '2', start: 5, received: 200, sessionEnd: true });
      await publish(specs);
      await publish(tick(6_000, 3, 'tick'));
      await waitFor('ten sessions', () => reader.sessions().length >= 10);
      await publish([{ session: 's4', spanId: '9', start: 1, received: 6_100 }]);
      await publish(tick(13_000, 3, 'tock'));
      await waitFor('the revision', () => reader.sessions().some((s) => s.revision === 2));

      const sessions = oneContentPerRevision(reader);
      expect(sessions.get('default/s0#1')?.spans).toEqual(['1', '2', '3', '4']);
      expect(sessions.get('default/ended#1')).toMatchObject({ spans: ['1', '2'], closeReason: CloseReason.CLOSE_REASON_END_MARKER });
      expect(sessions.get('default/s4#2')?.spans).toEqual(['9', '1', '2', '3', '4']);
      expect(new Set(reader.records.map((r) => r.partition)).size).toBe(3);
      await sessionizer.shutdown(AbortSignal.timeout(10_000));
      await reader.close();
    } finally {
      await bus.close();
    }
  });

  it('splits a session over the topic message limit into parts that the broker takes and that join back', async () => {
    const bus = createBus();
    try {
      const config = names('large', { sessionsMaxMessageBytes: 16_384 });
      await ensureTopics(bus, config);
      const reader = await SessionsReader.start(bus, config.topics.sessions.name, `${config.sessionizer.consumerGroup}-reader`);
      const sessionizer = startSessionizer(bus, config);
      await sessionizer.subscribed();
      const publish = publisher(bus, config);
      await publish(Array.from({ length: 60 }, (_, i) => ({ session: 'big', spanId: String(i + 1), start: i, received: i, padding: 1_500 })));
      await publish(tick(6_000, 3, 'tick'));
      await waitFor('the big session', () => reader.sessions().some((s) => s.key === 'default/big'));
      const parts = reader.records.filter((r) => r.key === 'default/big');
      expect(parts.length).toBeGreaterThan(5);
      expect(new Set(parts.map((p) => p.partition)).size).toBe(1);
      expect(parts.map((p) => p.record.partIndex)).toEqual(parts.map((_, i) => i));
      const big = reader.sessions().find((s) => s.key === 'default/big');
      expect(big?.spans).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
      await sessionizer.shutdown(AbortSignal.timeout(10_000));
      await reader.close();
    } finally {
      await bus.close();
    }
  });

  it('kill -9 mid-session, then a restart: every session comes out, each revision with one content', async () => {
    const bus = createBus();
    try {
      const config = names('killed');
      await ensureTopics(bus, config);
      const reader = await SessionsReader.start(bus, config.topics.sessions.name, `${config.sessionizer.consumerGroup}-reader`);
      const publish = publisher(bus, config);
      const fixture = fileURLToPath(new URL('./fixtures/sessionize-until-killed.ts', import.meta.url));
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fixture, brokers.join(','), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      await waitFor('the child sessionizer', () => out.includes('ready\n') || child.exitCode !== null, 30_000);
      expect(child.exitCode).toBeNull();

      // A: six sessions, closed by the tick; B: six sessions still open when the child dies, and
      // a late span reopening a0 as revision 2.
      const spans = (prefix: string, from: number, received: number) =>
        Array.from({ length: 6 }, (_, s) => [0, 1, 2].map((i) => ({ session: `${prefix}${s}`, spanId: String(from + i), start: i, received: received + i * 10 + s }))).flat();
      await publish(spans('a', 1, 100));
      await publish(tick(2_000, 3, 'tick'));
      await publish([...spans('b', 1, 2_100), { session: 'a0', spanId: '9', start: 50, received: 2_600 }]);
      await waitFor('the child to emit the a sessions', () => new Set(reader.sessions().map((s) => s.key)).size >= 6);
      await waitFor('the child to hold the b sessions', () => /"openSessions":(\d+)/.exec(out.split('\n').filter((l) => l.startsWith('stats')).at(-1) ?? '')?.[1] === '10');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // More spans for the open sessions, then a tick that closes everything.
      await publish(spans('b', 4, 2_700));
      await publish(tick(20_000, 3, 'tock'));
      const restarted = startSessionizer(bus, config);
      await restarted.subscribed(); // after the dead member's session (6 s) expired
      await waitFor('every session', () => ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2', 'b3', 'b4', 'b5'].every((k) => reader.sessions().some((s) => s.key === `default/${k}`)) && reader.sessions().some((s) => s.revision === 2), 30_000);

      const sessions = oneContentPerRevision(reader);
      const ours = [...sessions.keys()].filter((k) => !k.includes('tick') && !k.includes('tock')).sort();
      expect(ours).toEqual(['a0#1', 'a0#2', 'a1#1', 'a2#1', 'a3#1', 'a4#1', 'a5#1', 'b0#1', 'b1#1', 'b2#1', 'b3#1', 'b4#1', 'b5#1'].map((k) => `default/${k}`));
      expect(sessions.get('default/a0#1')?.spans).toEqual(['1', '2', '3']);
      expect(sessions.get('default/a0#2')?.spans).toEqual(['1', '2', '3', '9']);
      for (let s = 0; s < 6; s++) expect(sessions.get(`default/b${s}#1`)?.spans).toEqual(['1', '4', '2', '5', '3', '6']);
      // The restart re-read what the child had emitted (the commit waits for remembered
      // sessions) and emitted it again, the same.
      expect([...sessions.values()].some((s) => s.emitted > 1)).toBe(true);
      await restarted.shutdown(AbortSignal.timeout(10_000));
      await reader.close();
    } finally {
      await bus.close();
    }
  });

  it('two instances and a rebalance: no session lost or split', async () => {
    const busA = createBus();
    const busB = createBus();
    try {
      const config = names('rebalance', { partitions: 4 });
      await ensureTopics(busA, config);
      const reader = await SessionsReader.start(busA, config.topics.sessions.name, `${config.sessionizer.consumerGroup}-reader`);
      const publish = publisher(busA, config);
      const a = startSessionizer(busA, config);
      await a.subscribed();
      const spans = (from: number, received: number) =>
        Array.from({ length: 16 }, (_, s) => [0, 1].map((i) => ({ session: `s${s}`, spanId: String(from + i), start: from + i, received: received + i }))).flat();
      await publish(spans(1, 0));
      await waitFor('instance a to hold every session', () => a.stats().openSessions === 16);
      // b joins: some partitions move, a drops their open sessions, b re-reads them.
      const b = startSessionizer(busB, config);
      await b.subscribed();
      await waitFor('the partitions to be shared', () => a.stats().partitions > 0 && b.stats().partitions > 0 && a.stats().partitions + b.stats().partitions === 4);
      await publish(spans(3, 100));
      await waitFor('both to hold their sessions', () => a.stats().openSessions + b.stats().openSessions === 16);
      // a leaves: everything goes to b, which re-reads a's open sessions.
      await a.shutdown(AbortSignal.timeout(10_000));
      await waitFor('b to own every partition', () => b.stats().partitions === 4);
      await publish(spans(5, 200));
      await publish(tick(5_000, 4, 'tick'));
      await waitFor('every session', () => new Set(reader.sessions().map((s) => s.key).filter((k) => /\/s\d+$/.test(k))).size === 16, 30_000);

      const sessions = oneContentPerRevision(reader);
      for (let s = 0; s < 16; s++) {
        const revisions = [...sessions.entries()].filter(([k]) => k.startsWith(`default/s${s}#`));
        expect(revisions.map(([k, v]) => [k, v.spans])).toEqual([[`default/s${s}#1`, ['1', '2', '3', '4', '5', '6']]]);
      }
      await b.shutdown(AbortSignal.timeout(10_000));
      await reader.close();
    } finally {
      await busA.close();
      await busB.close();
    }
  });
});
