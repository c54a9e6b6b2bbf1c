import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BusUnavailableError, createMemoryBus, isRetryable, partitionFor, type Bus, type BusRecord, type MemoryBusOptions, type TopicSpec } from '../src/index.js';
import { busContract } from './contract.js';
import { collect, endOffsets, sleep, values, waitFor } from './helpers.js';

const root = await mkdtemp(path.join(tmpdir(), 'tracebar-bus-durable-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
const freshDir = (): string => path.join(root, randomUUID().slice(0, 8));

busContract({
  kind: 'memory',
  createBus: (options) => createMemoryBus({ ...options, durable: { dir: freshDir() } }),
  unique: (label) => `${label}-${randomUUID().slice(0, 8)}`,
  quietMs: 300,
});

const spec = (partitions = 3): TopicSpec => ({ name: 'spans', partitions, retentionMs: 3_600_000, maxMessageBytes: 64 * 1024 });
const open = async (dir: string, options: MemoryBusOptions = {}): Promise<Bus> => {
  const bus = createMemoryBus({ ...options, durable: { dir, ...options.durable } });
  await bus.ensureTopics([spec()]);
  return bus;
};
const publishAll = async (bus: Bus, from: number, to: number): Promise<void> => {
  for (let i = from; i < to; i += 10) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + 10); j++) batch.push({ key: `k${j % 7}`, value: Buffer.from(`m${j}`), headers: { n: String(j) } });
    await bus.publish('spans', batch);
  }
};
const byPartition = (records: readonly BusRecord[]): Map<number, number[]> => {
  const out = new Map<number, number[]>();
  for (const r of records) out.set(r.partition, [...(out.get(r.partition) ?? []), r.offset]);
  return out;
};

describe('durable memory bus', () => {
  it('after a crash, every acknowledged message comes again from the committed offset: none before, none twice', async () => {
    const dir = freshDir();
    const first = await open(dir, { durable: { dir, segmentBytes: 300 } });
    const before = await collect(first, { group: 'g', topics: ['spans'] });
    // Another group that never commits: it gets everything again.
    const other = await collect(first, { group: 'other', topics: ['spans'] });
    await publishAll(first, 0, 200);
    await waitFor('first delivery', () => before.records.length === 200);
    // Commit about half of each partition, then "crash": the bus is dropped without close.
    const committed = new Map<number, number>();
    for (const [partition, offsets] of byPartition(before.records)) committed.set(partition, offsets[Math.floor(offsets.length / 2)] as number);
    await before.consumer.commit([...committed].map(([partition, offset]) => ({ topic: 'spans', partition, offset })));
    await waitFor('other delivery', () => other.records.length === 200);

    const second = await open(dir);
    const after = await collect(second, { group: 'g', topics: ['spans'] });
    const expected = before.records.filter((r) => r.offset >= (committed.get(r.partition) as number));
    await waitFor('redelivery', () => after.records.length === expected.length);
    await sleep(200);
    expect(after.records.map((r) => `${r.partition}/${r.offset}/${r.value.toString()}/${r.headers.n?.toString()}`).sort()).toEqual(
      expected.map((r) => `${r.partition}/${r.offset}/${r.value.toString()}/${r.headers.n?.toString()}`).sort(),
    );
    expect(after.records.every((r) => r.timestamp === before.records.find((b) => b.partition === r.partition && b.offset === r.offset)?.timestamp)).toBe(true);
    const again = await collect(second, { group: 'other', topics: ['spans'] });
    await waitFor('other redelivery', () => again.records.length === 200);

    // New messages continue the offsets; committed segments are gone from disk.
    await publishAll(second, 200, 230);
    await waitFor('new ones', () => after.records.length === expected.length + 30);
    const offsets = byPartition(after.records);
    for (const list of offsets.values()) expect(list).toEqual([...list].sort((a, b) => a - b).map((_, i) => (list[0] as number) + i));
    await after.consumer.commit(endOffsets(after.records));
    await again.consumer.commit(endOffsets(again.records));
    // Deletion follows the offsets write: everything is committed, so no segment is left.
    const segments = async (): Promise<number> => {
      let n = 0;
      for (const p of ['0', '1', '2']) n += (await readdir(path.join(dir, 'topics', 'spans', p))).length;
      return n;
    };
    for (let i = 0; i < 100 && (await segments()) > 0; i++) await sleep(20);
    expect(await segments()).toBe(0);
    await second.close();
    await first.close();

    // With no file left, a restart continues after the committed offsets: nothing is handed out twice.
    const ends = new Map(endOffsets(after.records).map((e) => [e.partition, e.offset]));
    const third = await open(dir);
    const last = await collect(third, { group: 'g', topics: ['spans'] });
    await third.publish('spans', [{ key: 'k0', value: Buffer.from('after') }]);
    await waitFor('the new one', () => last.records.length === 1);
    await sleep(100);
    expect(last.records.map((r) => [r.offset, r.value.toString()])).toEqual([[ends.get(last.records[0]?.partition as number), 'after']]);
    await third.close();
  });

  it('a torn last record is cut off and never delivered; the offset is used again', async () => {
    const dir = freshDir();
    const first = await open(dir);
    await first.publish('spans', Array.from({ length: 5 }, (_, i) => ({ key: 'one-key', value: Buffer.from(`m${i}`) })));
    await first.close();
    const written = path.join(dir, 'topics', 'spans', String(partitionFor('one-key', 3)), '00000000000000000000.log');
    // Crash mid-write of the 5th record: its frame is cut short.
    await truncate(written, (await stat(written)).size - 3);

    const second = await open(dir);
    const seen = await collect(second, { group: 'g', topics: ['spans'] });
    await waitFor('four', () => seen.records.length === 4);
    await sleep(200);
    expect(values(seen.records)).toEqual(['m0', 'm1', 'm2', 'm3']);
    await second.publish('spans', [{ key: 'one-key', value: Buffer.from('m5') }]);
    await waitFor('five', () => seen.records.length === 5);
    expect(seen.records[4]?.offset).toBe(4);
    await second.close();

    // Garbage after the last whole record (a frame whose checksum fails) is cut off too.
    await appendFile(written, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, ...Array.from({ length: 40 }, () => 7)]));
    const third = await open(dir);
    const last = await collect(third, { group: 'g2', topics: ['spans'] });
    await waitFor('five again', () => last.records.length === 5);
    expect(values(last.records)).toEqual(['m0', 'm1', 'm2', 'm3', 'm5']);
    await third.close();
  });

  it('keeps the partitions a topic was created with, and reports a spec that differs', async () => {
    const dir = freshDir();
    const first = await open(dir);
    await first.close();
    const second = createMemoryBus({ durable: { dir } });
    const result = await second.ensureTopics([spec(6)]);
    expect(result.created).toEqual([]);
    expect(result.differences).toEqual([{ topic: 'spans', setting: 'partitions', expected: 6, actual: 3 }]);
    expect(await second.partitions('spans')).toBe(3);
    await second.close();
  });

  it('a group that joined but never committed resumes from where it joined', async () => {
    const dir = freshDir();
    const first = await open(dir);
    await first.publish('spans', [{ key: 'a', value: Buffer.from('old') }]);
    const late = await collect(first, { group: 'late', topics: ['spans'], startFrom: 'latest' });
    await first.publish('spans', [{ key: 'a', value: Buffer.from('new') }]);
    await waitFor('new', () => late.records.length === 1);
    const second = await open(dir);
    const again = await collect(second, { group: 'late', topics: ['spans'], startFrom: 'latest' });
    await waitFor('new again', () => again.records.length === 1);
    await sleep(100);
    expect(values(again.records)).toEqual(['new']);
    await second.close();
    await first.close();
  });

  it('fails publishes retryably and reports not ready once its files cannot be written', async () => {
    const dir = freshDir();
    const bus = await open(dir);
    await bus.publish('spans', [{ key: 'a', value: Buffer.from('x') }]);
    await rm(path.join(dir, 'topics'), { recursive: true });
    // A key of another partition: its first write has to create a segment file, which fails now.
    const other = ['b', 'c', 'd', 'e'].find((key) => partitionFor(key, 3) !== partitionFor('a', 3)) as string;
    const error = await bus.publish('spans', [{ key: other, value: Buffer.from('y') }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(isRetryable(error)).toBe(true);
    await expect(bus.publish('spans', [{ key: 'a', value: Buffer.from('z') }])).rejects.toBeInstanceOf(BusUnavailableError);
    expect((await bus.health()).ready).toBe(false);
    await bus.close();
  });

  describe('records past the memory bound leave memory and are read back from the files', () => {
    const oneTopic = (): TopicSpec => ({ name: 'held', partitions: 1, retentionMs: 3_600_000, maxMessageBytes: 64 * 1024 });
    const payload = (i: number): Buffer => Buffer.from(`${String(i).padStart(5, '0')}:${'x'.repeat(200)}`);
    const publishMany = async (bus: Bus, from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 20) {
        const batch = [];
        for (let j = i; j < Math.min(to, i + 20); j++) batch.push({ key: 'same', value: payload(j), headers: { n: String(j) } });
        await bus.publish('held', batch);
      }
    };
    // 8 KiB of memory per partition: about 35 of these messages.
    const small = (dir: string, diskBytes = 64 * 1_048_576): MemoryBusOptions => ({
      maxPartitionBytes: 8 * 1024,
      publishTimeoutMs: 300,
      retryAfterMs: 50,
      durable: { dir, segmentBytes: 16 * 1024, maxPartitionBytes: diskBytes },
    });

    it('a group holding 600 messages (24x the memory bound) does not stop publishers; a new member of the group gets them all again, in order', async () => {
      const dir = freshDir();
      const bus = createMemoryBus(small(dir));
      await bus.ensureTopics([oneTopic()]);
      const holder = await collect(bus, { group: 'holder', topics: ['held'] });
      await publishMany(bus, 0, 600);
      await waitFor('first delivery', () => holder.records.length === 600);
      const stats = bus.stats();
      expect(stats.publishFull).toBe(0);
      // Everything is still retained (nothing committed), most of it on disk only.
      expect(stats.spilledBytes).toBeGreaterThan(100 * 1024);
      await holder.consumer.close();

      const again = await collect(bus, { group: 'holder', topics: ['held'] });
      await waitFor('redelivery', () => again.records.length === 600);
      expect(again.records.map((r) => r.offset)).toEqual(Array.from({ length: 600 }, (_, i) => i));
      expect(again.records.map((r) => r.value.toString())).toEqual(Array.from({ length: 600 }, (_, i) => payload(i).toString()));
      expect(again.records.map((r) => r.headers.n?.toString())).toEqual(Array.from({ length: 600 }, (_, i) => String(i)));
      expect(again.records.every((r) => r.key.toString() === 'same' && r.topic === 'held')).toBe(true);
      expect(bus.stats().readBackMessages).toBeGreaterThan(500);

      // Once committed, the records go: from memory and from the disk count.
      await again.consumer.commit(endOffsets(again.records));
      expect(bus.stats().spilledBytes).toBe(0);
      await again.consumer.close();
      await bus.close();
    });

    it('after a crash, a backlog larger than memory comes back: the newest in memory, the rest from the files', async () => {
      const dir = freshDir();
      const first = createMemoryBus(small(dir));
      await first.ensureTopics([oneTopic()]);
      const holder = await collect(first, { group: 'holder', topics: ['held'] });
      await publishMany(first, 0, 500);
      await waitFor('first delivery', () => holder.records.length === 500);
      await holder.consumer.commit([{ topic: 'held', partition: 0, offset: 100 }]);
      // "Crash": the bus is dropped without close.

      const second = createMemoryBus(small(dir));
      await second.ensureTopics([oneTopic()]);
      expect(second.stats().spilledBytes).toBeGreaterThan(50 * 1024);
      const after = await collect(second, { group: 'holder', topics: ['held'] });
      await waitFor('redelivery', () => after.records.length === 400);
      await sleep(100);
      expect(after.records.map((r) => r.value.toString())).toEqual(Array.from({ length: 400 }, (_, i) => payload(100 + i).toString()));
      expect(second.stats().readBackMessages).toBeGreaterThan(300);
      // And it goes on where the files end.
      await publishMany(second, 500, 520);
      await waitFor('new ones', () => after.records.length === 420);
      expect(after.records.at(-1)?.offset).toBe(519);
      await second.close();
    });

    it('at the disk bound publishers wait, and fail retryably at their deadline; a commit makes room again', async () => {
      const dir = freshDir();
      const bus = createMemoryBus(small(dir, 40 * 1024));
      await bus.ensureTopics([oneTopic()]);
      const holder = await collect(bus, { group: 'holder', topics: ['held'] });
      const error = await publishMany(bus, 0, 1_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('BusFullError');
      expect(isRetryable(error)).toBe(true);
      const published = bus.stats().producedMessages;
      // 40 KiB of ~240-byte messages, in whole publish calls of 20.
      expect(published).toBeGreaterThan(100);
      expect(published).toBeLessThan(200);
      await waitFor('delivery', () => holder.records.length === published);
      await holder.consumer.commit(endOffsets(holder.records));
      await publishMany(bus, published, published + 40);
      await waitFor('after the commit', () => holder.records.length === published + 40);
      await bus.close();
    });
  });
});
