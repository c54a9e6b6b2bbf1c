import type { Bus, BusBatch, BusConsumer, BusRecord, SubscribeOptions, TopicPartition } from '../src/index.js';

export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A subscriber that keeps what it was given, for assertions. */
export interface Collector {
  consumer: BusConsumer;
  records: BusRecord[];
  batches: BusBatch[];
  assigned: TopicPartition[][];
  revoked: TopicPartition[][];
}

export async function collect(
  bus: Bus,
  options: Omit<SubscribeOptions, 'handler'> & { handler?: SubscribeOptions['handler'] },
): Promise<Collector> {
  const records: BusRecord[] = [];
  const batches: BusBatch[] = [];
  const assigned: TopicPartition[][] = [];
  const revoked: TopicPartition[][] = [];
  const consumer = await bus.subscribe({
    ...options,
    handler: async (batch) => {
      await options.handler?.(batch);
      batches.push(batch);
      records.push(...batch.records);
    },
    onAssigned: async (partitions) => {
      assigned.push([...partitions]);
      await options.onAssigned?.(partitions);
    },
    onRevoked: async (partitions) => {
      revoked.push([...partitions]);
      await options.onRevoked?.(partitions);
    },
  });
  return { consumer, records, batches, assigned, revoked };
}

export function values(records: readonly BusRecord[]): string[] {
  return records.map((r) => r.value.toString());
}

export function sortTp(partitions: readonly TopicPartition[]): string[] {
  return partitions.map((tp) => `${tp.topic}/${tp.partition}`).sort();
}

/** The offset after the last record of each partition seen. */
export function endOffsets(records: readonly BusRecord[]): { topic: string; partition: number; offset: number }[] {
  const ends = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const r of records) {
    const key = `${r.topic}/${r.partition}`;
    const end = ends.get(key);
    if (!end || end.offset < r.offset + 1) ends.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...ends.values()];
}
