// `tracebar tail` on Kafka (TRACEBAR_KAFKA_BROKERS set): its own consumer in a throwaway group
// that never commits, so it neither moves nor leaves offsets for anyone.
import { Admin } from '@platformatic/kafka';
import { createKafkaBus } from '@tracebar/bus';
import { loadConfig } from '@tracebar/config';
import { reviewItemToJsonLine, sessionRecordKey } from '@tracebar/proto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runTailCommand } from '../src/commands/tail.js';
import { topicSpecs } from '../src/components/bus-component.js';

const item = (session: string, priority: number) =>
  reviewItemToJsonLine({
    tenant: 'default',
    sessionKey: session,
    sessionRevision: 1,
    objective: { id: 'default', version: 1 },
    priority,
    verdict: 2,
    patterns: [{ pattern: 'tool_failure', subtype: 'silent_failure' }],
    reasons: [{ code: 'required_failed', contribution: priority, detail: 'tool_failures failed' }],
    evidence: [{ spanId: '0102030405060708', note: 'search_hotels returned []' }],
  });

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracebar tail on Kafka', () => {
  const suffix = `${Date.now()}-${process.pid}`;
  const brokers = inject('kafkaBrokers');
  const { config } = loadConfig({ env: { TRACEBAR_KAFKA_BROKERS: brokers, TRACEBAR_TOPICS__REVIEW__NAME: `tracebar.review.v1-${suffix}`, TRACEBAR_TOPICS__ALERTS__NAME: `tracebar.alerts.v1-${suffix}` } });
  const admin = new Admin({ clientId: 'tail-kafka-test', bootstrapBrokers: [brokers] });
  const bus = createKafkaBus({ ...config.bus.kafka, clientId: 'tail-kafka-test' });
  afterAll(async () => {
    await bus.close();
    await admin.deleteTopics({ topics: [config.topics.review.name, config.topics.alerts.name] }).catch(() => undefined);
    await admin.close();
  });

  it('prints what is published while it runs, from-beginning replays the topic, and no offsets are committed', async () => {
    expect(config.bus.kind).toBe('kafka');
    await bus.ensureTopics(topicSpecs(config).filter((spec) => spec.name === config.topics.review.name || spec.name === config.topics.alerts.name));
    const groupsBefore = new Set((await admin.listGroups()).keys());

    const lines: string[] = [];
    const stop = new AbortController();
    let live: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      live = resolve;
    });
    const tail = runTailCommand({ config, topic: 'review', fromBeginning: false, format: 'text', stop: stop.signal, onReady: live, write: (text) => lines.push(...text.split('\n').filter((l) => l !== '')) });
    await ready;
    await bus.publish(config.topics.review.name, [
      { key: sessionRecordKey('default', 'k-silent'), value: Buffer.from(item('k-silent', 0.71)) },
      { key: sessionRecordKey('default', 'k-other'), value: Buffer.from(item('k-other', 0.42)) },
    ]);
    await until('two lines', () => lines.length >= 2);
    expect(lines.find((l) => l.includes('default/k-silent#1'))).toMatch(/ {2}0\.71 {2}failed {4}default\/k-silent#1 {2}default@1 {2}tool_failure\/silent_failure {2}required_failed 0\.71: tool_failures failed {2}evidence: search_hotels returned \[\]$/);

    const tailGroups = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith('tracebar-tail-') && !groupsBefore.has(group));
    expect(tailGroups).toHaveLength(1);
    const offsets = await admin.listConsumerGroupOffsets({ groups: tailGroups });
    const committed = offsets.flatMap((group) => group.topics.flatMap((topic) => topic.partitions.filter((p) => p.committedOffset >= 0n)));
    expect(committed).toEqual([]);
    stop.abort();
    await tail;

    const replay: string[] = [];
    const stopReplay = new AbortController();
    const replaying = runTailCommand({ config, topic: 'review', fromBeginning: true, format: 'jsonl', stop: stopReplay.signal, write: (text) => replay.push(...text.split('\n').filter((l) => l !== '')) });
    await until('the replay', () => replay.length >= 2);
    expect(replay.sort()).toEqual([item('k-other', 0.42), item('k-silent', 0.71)].sort());
    stopReplay.abort();
    await replaying;
  }, 90_000);
});
