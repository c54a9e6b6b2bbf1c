import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BusClosedError,
  BusFullError,
  isRetryable,
  MessageTooLargeError,
  partitionFor,
  PayloadTooLargeError,
  UnknownTopicError,
  type Bus,
  type BusHooks,
  type OutgoingMessage,
  type PublishedEvent,
  type TopicSpec,
} from '../src/index.js';
import { collect, endOffsets, sleep, sortTp, values, waitFor } from './helpers.js';

export interface BusOptionsForTest {
  maxInFlightBytes?: number;
  publishTimeoutMs?: number;
  hooks?: BusHooks;
}

export interface ContractTarget {
  kind: 'memory' | 'kafka';
  createBus(options?: BusOptionsForTest): Bus;
  /** A topic or group name no other test (or earlier run) used. */
  unique(label: string): string;
  /** How long "nothing arrives" is watched for. */
  quietMs: number;
}

/** The behaviour both buses promise; memory.test.ts and kafka.test.ts run it. */
export function busContract(target: ContractTarget): void {
  const opened: Bus[] = [];
  const open = (options?: BusOptionsForTest): Bus => {
    const bus = target.createBus(options);
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });

  const spec = (label: string, partitions = 4, overrides: Partial<TopicSpec> = {}): TopicSpec => ({
    name: target.unique(label),
    partitions,
    retentionMs: 3_600_000,
    maxMessageBytes: 64 * 1024,
    ...overrides,
  });
  const message = (key: string, value: string): OutgoingMessage => ({ key, value: Buffer.from(value) });

  describe(`bus contract (${target.kind})`, () => {
    it('creates topics and reports, without changing, an existing topic that differs', async () => {
      const bus = open();
      const topic = spec('admin', 3);
      expect(await bus.ensureTopics([topic])).toEqual({ created: [topic.name], increased: [], differences: [] });
      expect(await bus.partitions(topic.name)).toBe(3);

      const again = await bus.ensureTopics([{ ...topic, partitions: 5, retentionMs: 7_200_000 }]);
      expect(again.created).toEqual([]);
      expect(again.differences).toEqual(
        expect.arrayContaining([
          { topic: topic.name, setting: 'partitions', expected: 5, actual: 3 },
          { topic: topic.name, setting: 'retentionMs', expected: 7_200_000, actual: 3_600_000 },
        ]),
      );
      expect(await bus.partitions(topic.name)).toBe(3);

      const raised = await bus.ensureTopics([{ ...topic, partitions: 5 }], { increasePartitions: true });
      expect(raised.increased).toEqual([topic.name]);
      expect(await bus.partitions(topic.name)).toBe(5);
    });

    it('keeps every key on its murmur2 partition, in publish order', async () => {
      const bus = open();
      const topic = spec('order', 4);
      await bus.ensureTopics([topic]);
      const keys = Array.from({ length: 24 }, (_, k) => `tenant-a/session-${k}`);
      const perKey = 40;
      // Keys interleaved within each call; calls one after the other (calls in flight together
      // have no order between them, as with any Kafka producer).
      for (let round = 0; round < perKey; round += 4) {
        const batch: OutgoingMessage[] = [];
        for (let seq = round; seq < round + 4; seq++) for (const key of keys) batch.push(message(key, `${key}#${seq}`));
        await bus.publish(topic.name, batch);
      }

      const seen = await collect(bus, { group: target.unique('g-order'), topics: [topic.name] });
      await waitFor('all records', () => seen.records.length >= keys.length * perKey);
      expect(seen.records).toHaveLength(keys.length * perKey);
      for (const key of keys) {
        const mine = seen.records.filter((r) => r.key.toString() === key);
        expect(new Set(mine.map((r) => r.partition))).toEqual(new Set([partitionFor(key, 4)]));
        const offsets = mine.map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(values(mine)).toEqual(Array.from({ length: perKey }, (_, seq) => `${key}#${seq}`));
      }
      // Batches are one partition's records in offset order.
      for (const batch of seen.batches) {
        expect(batch.records.every((r) => r.partition === batch.partition)).toBe(true);
        expect(batch.nextOffset).toBe((batch.records.at(-1)?.offset ?? -2) + 1);
      }
      expect(bus.stats()).toMatchObject({ producedMessages: keys.length * perKey, consumedMessages: keys.length * perKey });
    });

    it('refuses an unknown topic permanently', async () => {
      const bus = open();
      const error = await bus.publish(target.unique('missing'), [message('k', 'v')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownTopicError);
      expect(isRetryable(error)).toBe(false);
    });

    it('refuses a message over maxMessageBytes permanently, alone: its neighbours go through on retry', async () => {
      const bus = open();
      const topic = spec('too-large', 2, { maxMessageBytes: 4096 });
      await bus.ensureTopics([topic]);
      const big: OutgoingMessage = { key: 'k2', value: randomBytes(8192) };
      const error = await bus.publish(topic.name, [message('k1', 'first'), big, message('k3', 'third')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect((error as MessageTooLargeError).indexes).toEqual([1]);
      expect(isRetryable(error)).toBe(false);

      await bus.publish(topic.name, [message('k1', 'first'), message('k3', 'third')]);
      const seen = await collect(bus, { group: target.unique('g-large'), topics: [topic.name] });
      await waitFor('two records', () => seen.records.length >= 2);
      await sleep(target.quietMs / 4);
      expect(values(seen.records).sort()).toEqual(['first', 'third']);
    });

    it('redelivers what a consumer closed before committing had; after a commit, only the rest', async () => {
      const bus = open();
      const topic = spec('redeliver', 3);
      await bus.ensureTopics([topic]);
      const group = target.unique('g-redeliver');
      const sent = Array.from({ length: 60 }, (_, i) => message(`key-${i % 7}`, `m${i}`));
      await bus.publish(topic.name, sent);

      const first = await collect(bus, { group, topics: [topic.name] });
      await waitFor('first read', () => first.records.length >= 60);
      await first.consumer.close();

      const second = await collect(bus, { group, topics: [topic.name] });
      await waitFor('second read', () => second.records.length >= 60);
      expect(values(second.records).sort()).toEqual(values(first.records).sort());
      // Commit everything but the last record of each partition, as a sessionizer holding one open session would.
      const partial = endOffsets(second.records).map((end) => ({ ...end, offset: end.offset - 1 }));
      await second.consumer.commit(partial);
      await second.consumer.close();

      const third = await collect(bus, { group, topics: [topic.name] });
      await waitFor('the uncommitted tail', () => third.records.length >= partial.length);
      await sleep(target.quietMs / 4);
      expect(third.records).toHaveLength(partial.length);
      expect(sortTp(third.records)).toEqual(sortTp(partial));
      expect(third.records.map((r) => r.offset).sort()).toEqual(partial.map((p) => p.offset).sort());
      await third.consumer.close({ commitDelivered: true });

      const fourth = await collect(bus, { group, topics: [topic.name] });
      await sleep(target.quietMs);
      expect(fourth.records).toHaveLength(0);
      await bus.publish(topic.name, [message('key-1', 'late')]);
      await waitFor('the new record', () => fourth.records.length >= 1);
      expect(values(fourth.records)).toEqual(['late']);
    });

    it('bounds in-flight bytes: past the bound publish fails retryably (timeout 0) or waits', async () => {
      const maxInFlightBytes = 64 * 1024;
      const bus = open({ maxInFlightBytes });
      const topic = spec('full', 2);
      await bus.ensureTopics([topic]);
      await bus.publish(topic.name, [message('warm', 'up')]); // metadata cached, producer ready
      let peak = 0;
      const sample = (): void => {
        peak = Math.max(peak, bus.stats().inFlightBytes);
      };
      const sampler = setInterval(sample, 1);
      const payload = (i: number): OutgoingMessage[] => [{ key: `k${i}`, value: randomBytes(8 * 1024) }];
      try {
        const fast = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => bus.publish(topic.name, payload(i), { timeoutMs: 0 }).finally(sample)),
        );
        const refused = fast.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);
        expect(refused.length).toBeGreaterThan(0);
        expect(fast.length - refused.length).toBeGreaterThan(0);
        for (const error of refused) {
          expect(error).toBeInstanceOf(BusFullError);
          expect(isRetryable(error)).toBe(true);
          expect((error as BusFullError).retryAfterMs).toBeGreaterThan(0);
        }

        const waited = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => bus.publish(topic.name, payload(i), { timeoutMs: 30_000 }).finally(sample)),
        );
        expect(waited.filter((r) => r.status === 'rejected')).toEqual([]);
      } finally {
        clearInterval(sampler);
      }
      expect(peak).toBeLessThanOrEqual(maxInFlightBytes);
      expect(peak).toBeGreaterThan(maxInFlightBytes / 2);
      expect(bus.stats().inFlightBytes).toBe(0);
      expect(bus.stats().publishFull).toBeGreaterThan(0);

      const whole = await bus.publish(topic.name, [{ key: 'x', value: randomBytes(60 * 1024) }, { key: 'y', value: randomBytes(60 * 1024) }]).catch((e: unknown) => e);
      expect(whole).toBeInstanceOf(PayloadTooLargeError);
      expect(isRetryable(whole)).toBe(false);
    });

    it('an aborted wait fails retryably', async () => {
      const bus = open({ maxInFlightBytes: 16 * 1024 });
      const topic = spec('abort', 1);
      await bus.ensureTopics([topic]);
      await bus.publish(topic.name, [message('warm', 'up')]);
      const controller = new AbortController();
      const calls = Array.from({ length: 8 }, (_, i) =>
        bus.publish(topic.name, [{ key: `k${i}`, value: randomBytes(12 * 1024) }], { signal: controller.signal, timeoutMs: 30_000 }),
      );
      controller.abort();
      const results = await Promise.allSettled(calls);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BusFullError);
    });

    it('pause stops delivery and holds nothing back in memory; resume restarts it', async () => {
      const bus = open();
      const topic = spec('pause', 2);
      await bus.ensureTopics([topic]);
      await bus.publish(topic.name, Array.from({ length: 10 }, (_, i) => message(`k${i}`, `before-${i}`)));
      const seen = await collect(bus, { group: target.unique('g-pause'), topics: [topic.name] });
      await waitFor('first records', () => seen.records.length >= 10);

      seen.consumer.pause(seen.consumer.assignment());
      expect(sortTp(seen.consumer.paused())).toEqual(sortTp(seen.consumer.assignment()));
      await bus.publish(topic.name, Array.from({ length: 10 }, (_, i) => message(`k${i}`, `during-${i}`)));
      await sleep(target.quietMs);
      expect(seen.records).toHaveLength(10);
      expect(seen.consumer.stats().bufferedBytes).toBe(0);

      seen.consumer.resume(seen.consumer.assignment());
      expect(seen.consumer.paused()).toEqual([]);
      await waitFor('records after resume', () => seen.records.length >= 20);
      expect(values(seen.records.slice(10)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `during-${i}`).sort());
    });

    it('a throwing handler gets the same batch again, and the partition does not move on', async () => {
      const bus = open();
      const topic = spec('retry', 1);
      await bus.ensureTopics([topic]);
      await bus.publish(topic.name, [message('k', 'a'), message('k', 'b')]);
      let failures = 0;
      const errors: unknown[] = [];
      const seen = await collect(bus, {
        group: target.unique('g-retry'),
        topics: [topic.name],
        retryBackoffMs: 50,
        onError: (error) => errors.push(error),
        handler: () => (failures++ < 2 ? Promise.reject(new Error('store down')) : Promise.resolve()),
      });
      await waitFor('delivery after two failures', () => seen.records.length >= 2);
      expect(values(seen.records)).toEqual(['a', 'b']);
      expect(errors).toHaveLength(2);
      expect(seen.consumer.stats().handlerErrors).toBe(2);
    });

    it('splits partitions across two members and hands a leaving member\'s partitions over', async () => {
      const bus = open();
      const topic = spec('group', 4);
      await bus.ensureTopics([topic]);
      const group = target.unique('g-group');
      const all = Array.from({ length: 4 }, (_, partition) => `${topic.name}/${partition}`);

      const a = await collect(bus, { group, topics: [topic.name] });
      await waitFor('a owns all', () => a.consumer.assignment().length === 4);
      const b = await collect(bus, { group, topics: [topic.name] });
      await waitFor(
        'a split',
        () => a.consumer.assignment().length > 0 && b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4,
      );
      expect([...sortTp(a.consumer.assignment()), ...sortTp(b.consumer.assignment())].sort()).toEqual(all);
      expect(b.assigned.flat().length).toBeGreaterThan(0);
      expect(a.revoked.flat().length).toBeGreaterThan(0); // a gave some partitions up for b

      const keys = Array.from({ length: 40 }, (_, i) => `s-${i}`);
      await bus.publish(topic.name, keys.map((key) => message(key, key)));
      await waitFor('both read', () => a.records.length + b.records.length >= 40);
      const ownerOf = new Map<number, string>();
      for (const tp of a.consumer.assignment()) ownerOf.set(tp.partition, 'a');
      for (const tp of b.consumer.assignment()) ownerOf.set(tp.partition, 'b');
      for (const r of a.records) expect(ownerOf.get(r.partition)).toBe('a');
      for (const r of b.records) expect(ownerOf.get(r.partition)).toBe('b');
      await a.consumer.commit(endOffsets(a.records));
      await b.consumer.commit(endOffsets(b.records));

      const bOwned = sortTp(b.consumer.assignment());
      await b.consumer.close();
      expect(sortTp(b.revoked.at(-1) ?? [])).toEqual(bOwned);
      expect(b.consumer.isReady()).toBe(false);
      await waitFor('a owns all again', () => a.consumer.assignment().length === 4);
      expect(sortTp(a.assigned.flat())).toEqual(expect.arrayContaining(bOwned));

      await bus.publish(topic.name, keys.map((key) => message(key, `${key}:second`)));
      await waitFor('a reads everything', () => a.records.filter((r) => r.value.toString().endsWith(':second')).length >= 40);
      expect(b.records.filter((r) => r.value.toString().endsWith(':second'))).toEqual([]);
    });

    it('a rebalance lets the in-flight handler finish before onRevoked, and the new owner starts at the commit', async () => {
      const bus = open();
      const topic = spec('revoke', 2);
      await bus.ensureTopics([topic]);
      const group = target.unique('g-revoke');
      const events: string[] = [];
      let slow = true;
      const a = await collect(bus, {
        group,
        topics: [topic.name],
        handler: async (batch) => {
          events.push(`start ${batch.partition}`);
          if (slow) await sleep(500);
          events.push(`end ${batch.partition}`);
        },
        onRevoked: (partitions) => {
          events.push(`revoked ${partitions.map((p) => p.partition).join(',')}`);
        },
      });
      await waitFor('a owns both', () => a.consumer.assignment().length === 2);
      await bus.publish(topic.name, [0, 1, 2, 3, 4, 5].map((i) => message(`key-${i}`, `v${i}`)));
      await waitFor('a handler running', () => events.includes('start 0') || events.includes('start 1'));
      const b = await collect(bus, { group, topics: [topic.name] });
      slow = false;
      await waitFor('b owns one', () => b.consumer.assignment().length === 1 && a.consumer.assignment().length === 1);
      const revokedAt = events.findIndex((e) => e.startsWith('revoked'));
      expect(revokedAt).toBeGreaterThan(0);
      // Every batch a started before the revoke ended before it.
      const before = events.slice(0, revokedAt);
      expect(before.filter((e) => e.startsWith('start')).length).toBe(before.filter((e) => e.startsWith('end')).length);
      // Nothing was committed, so b reads its partition from the start.
      const bPartition = b.consumer.assignment()[0]?.partition;
      const onB = [0, 1, 2, 3, 4, 5].filter((i) => partitionFor(`key-${i}`, 2) === bPartition).map((i) => `v${i}`);
      await waitFor('b reads its partition', () => b.records.length >= onB.length);
      expect(values(b.records).sort()).toEqual(onB.sort());
    });

    it('closes gracefully: the in-flight handler finishes, delivered batches can be committed, twice is fine', async () => {
      const bus = open();
      const topic = spec('close', 1);
      await bus.ensureTopics([topic]);
      const group = target.unique('g-close');
      await bus.publish(topic.name, [message('k', 'one')]);
      let started = 0;
      let finished = 0;
      const seen = await collect(bus, {
        group,
        topics: [topic.name],
        handler: async () => {
          started++;
          await sleep(300);
          finished++;
        },
      });
      expect(seen.consumer.isReady()).toBe(true);
      await waitFor('handler started', () => started === 1);
      const closes = [seen.consumer.close({ commitDelivered: true }), seen.consumer.close()];
      await Promise.all(closes);
      expect(finished).toBe(1);
      expect(seen.records).toHaveLength(1);
      await seen.consumer.close();
      expect(seen.consumer.isReady()).toBe(false);

      await bus.publish(topic.name, [message('k', 'two')]);
      await sleep(target.quietMs / 4);
      expect(started).toBe(1); // nothing delivered after close

      const next = await collect(bus, { group, topics: [topic.name] });
      await waitFor('the next record', () => next.records.length >= 1);
      await sleep(target.quietMs / 4);
      expect(values(next.records)).toEqual(['two']); // 'one' was committed on close
    });

    it('reports every acknowledged publish to the hooks, with its size and latency', async () => {
      const events: PublishedEvent[] = [];
      const bus = open({ hooks: { onPublished: (event) => events.push(event) } });
      const topic = spec('hooks', 2);
      await bus.ensureTopics([topic]);
      await bus.publish(topic.name, [message('a', '12345'), message('bb', '678')]);
      await bus.publish(topic.name, []);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ topic: topic.name, messages: 2, bytes: 1 + 5 + 2 + 3 });
      expect(events[0]?.latencyMs).toBeGreaterThanOrEqual(0);
      expect(bus.stats()).toMatchObject({ producedMessages: 2, producedBytes: 11, inFlightBytes: 0 });
    });

    it('carries headers, keys and timestamps through', async () => {
      const bus = open();
      const topic = spec('headers', 1);
      await bus.ensureTopics([topic]);
      const before = Date.now();
      await bus.publish(topic.name, [{ key: Buffer.from([0, 1, 2]), value: Buffer.from('v'), headers: { tenant: 't1', raw: Buffer.from([9, 8]) } }]);
      const seen = await collect(bus, { group: target.unique('g-headers'), topics: [topic.name] });
      await waitFor('the record', () => seen.records.length === 1);
      const [record] = seen.records;
      expect(record?.key).toEqual(Buffer.from([0, 1, 2]));
      expect(record?.headers).toEqual({ tenant: Buffer.from('t1'), raw: Buffer.from([9, 8]) });
      expect(record?.timestamp).toBeGreaterThanOrEqual(before - 1_000);
      expect(record?.timestamp).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    it('reports health, and refuses work once closed (close twice is fine)', async () => {
      const bus = open();
      const topic = spec('health', 1);
      await bus.ensureTopics([topic]);
      expect(await bus.health()).toEqual({ ready: true });
      const seen = await collect(bus, { group: target.unique('g-health'), topics: [topic.name] });
      await Promise.all([bus.close(), bus.close()]);
      await bus.close();
      expect(seen.consumer.isReady()).toBe(false);
      expect((await bus.health()).ready).toBe(false);
      await expect(bus.publish(topic.name, [message('k', 'v')])).rejects.toBeInstanceOf(BusClosedError);
    });
  });
}
