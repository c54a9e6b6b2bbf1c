import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BusFullError, createMemoryBus, isRetryable, murmur2, partitionFor } from '../src/index.js';
import { busContract } from './contract.js';
import { collect, endOffsets, sleep, waitFor } from './helpers.js';

busContract({
  kind: 'memory',
  createBus: (options) => createMemoryBus(options),
  unique: (label) => `${label}-${randomUUID().slice(0, 8)}`,
  quietMs: 300,
});

describe('memory bus', () => {
  it('blocks publish while a partition is full until its group commits, and fails retryably at the deadline', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 5, publishTimeoutMs: 200 });
    try {
      await bus.ensureTopics([{ name: 't', partitions: 1, retentionMs: 1_000, maxMessageBytes: 4096 }]);
      const seen = await collect(bus, { group: 'g', topics: ['t'] });
      await bus.publish('t', Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: Buffer.from(`m${i}`) })));
      await waitFor('delivered', () => seen.records.length === 5);

      const refused = await bus.publish('t', [{ key: 'k', value: Buffer.from('late') }]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BusFullError);
      expect(isRetryable(refused)).toBe(true);

      let done = false;
      const blocked = bus.publish('t', [{ key: 'k', value: Buffer.from('m5') }], { timeoutMs: 10_000 }).then(() => {
        done = true;
      });
      await sleep(100);
      expect(done).toBe(false);
      await seen.consumer.commit(endOffsets(seen.records.slice(0, 1)));
      await blocked;
      expect(done).toBe(true);
      await waitFor('the blocked record', () => seen.records.length === 6);
    } finally {
      await bus.close();
    }
  });

  it('keeps only the newest records of a topic no group reads', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 3 });
    try {
      await bus.ensureTopics([{ name: 'alerts', partitions: 1, retentionMs: 1_000, maxMessageBytes: 4096 }]);
      for (let i = 0; i < 5; i++) await bus.publish('alerts', [{ key: 'k', value: Buffer.from(`a${i}`) }], { timeoutMs: 0 });
      const seen = await collect(bus, { group: 'late', topics: ['alerts'] });
      await waitFor('retained', () => seen.records.length === 3);
      expect(seen.records.map((r) => r.value.toString())).toEqual(['a2', 'a3', 'a4']);
      expect(seen.records[0]?.offset).toBe(2);
      expect(bus.stats().evictedMessages).toBe(2);
    } finally {
      await bus.close();
    }
  });

  it('holds a record until every group reading the topic has committed past it', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 2, publishTimeoutMs: 0 });
    try {
      await bus.ensureTopics([{ name: 't', partitions: 1, retentionMs: 1_000, maxMessageBytes: 4096 }]);
      const sink = await collect(bus, { group: 'sink', topics: ['t'] });
      const sessionizer = await collect(bus, { group: 'sessionizer', topics: ['t'] });
      await bus.publish('t', [{ key: 'k', value: Buffer.from('a') }, { key: 'k', value: Buffer.from('b') }]);
      await waitFor('both read', () => sink.records.length === 2 && sessionizer.records.length === 2);
      await sink.consumer.commit(endOffsets(sink.records));
      await expect(bus.publish('t', [{ key: 'k', value: Buffer.from('c') }])).rejects.toBeInstanceOf(BusFullError);
      await sessionizer.consumer.commit([{ topic: 't', partition: 0, offset: 1 }]);
      await bus.publish('t', [{ key: 'k', value: Buffer.from('c') }]);
      await expect(bus.publish('t', [{ key: 'k', value: Buffer.from('d') }])).rejects.toBeInstanceOf(BusFullError);
    } finally {
      await bus.close();
    }
  });

  it('forgets an ephemeral group when its last member leaves, so it holds nothing back', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 2, publishTimeoutMs: 0 });
    try {
      await bus.ensureTopics([{ name: 't', partitions: 1, retentionMs: 1_000, maxMessageBytes: 4096 }]);
      const sink = await collect(bus, { group: 'sink', topics: ['t'] });
      const tail = await collect(bus, { group: 'tail-1', topics: ['t'], ephemeral: true });
      await bus.publish('t', [{ key: 'k', value: Buffer.from('a') }, { key: 'k', value: Buffer.from('b') }]);
      await waitFor('both read', () => sink.records.length === 2 && tail.records.length === 2);
      await sink.consumer.commit(endOffsets(sink.records));
      // While the tail is a member its uncommitted records still count.
      await expect(bus.publish('t', [{ key: 'k', value: Buffer.from('c') }])).rejects.toBeInstanceOf(BusFullError);
      await tail.consumer.close();
      await bus.publish('t', [{ key: 'k', value: Buffer.from('c') }, { key: 'k', value: Buffer.from('d') }]);
      await waitFor('sink read on', () => sink.records.length === 4);
      const again = await collect(bus, { group: 'tail-1', topics: ['t'], ephemeral: true, startFrom: 'latest' });
      expect(again.consumer.assignment()).toHaveLength(1);
    } finally {
      await bus.close();
    }
  });

  it('a closing bus fails publishes still waiting for room', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 1 });
    await bus.ensureTopics([{ name: 't', partitions: 1, retentionMs: 1_000, maxMessageBytes: 4096 }]);
    await collect(bus, { group: 'g', topics: ['t'] });
    await bus.publish('t', [{ key: 'k', value: Buffer.from('a') }]);
    const waiting = bus.publish('t', [{ key: 'k', value: Buffer.from('b') }], { timeoutMs: 60_000 });
    await bus.close();
    await expect(waiting).rejects.toMatchObject({ code: 'BUS_CLOSED' });
  });
});

describe('partitioner', () => {
  it('matches the Java client murmur2 for known keys', () => {
    // Vectors from Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
    expect(partitionFor('foobar', 12)).toBe((-790332482 & 0x7fffffff) % 12);
  });
});
