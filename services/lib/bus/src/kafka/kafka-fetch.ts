import type { ClusterMetadata } from '@platformatic/kafka';
import type { BusRecord, TopicPartition } from '../types.js';

/** The client's fetch request shape (not exported by @platformatic/kafka's index). */
export interface FetchRequestTopic {
  topicId: string;
  partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; lastFetchedEpoch: number }[];
}

export interface FetchPlan {
  /** Requests per leader broker. */
  byLeader: Map<number, FetchRequestTopic[]>;
  topicNames: Map<string, string>;
}

/** Groups partitions by leader; a partition whose leader is unknown is left out (and refetched later). */
export function planFetch(
  metadata: ClusterMetadata,
  targets: readonly (TopicPartition & { position: number })[],
  partitionMaxBytes: number,
): FetchPlan {
  const byLeader = new Map<number, Map<string, FetchRequestTopic>>();
  const topicNames = new Map<string, string>();
  for (const target of targets) {
    const topic = metadata.topics.get(target.topic);
    const leader = topic?.partitions[target.partition]?.leader;
    if (!topic || leader === undefined) continue;
    topicNames.set(topic.id, target.topic);
    const requests = byLeader.get(leader) ?? new Map<string, FetchRequestTopic>();
    byLeader.set(leader, requests);
    const request = requests.get(topic.id) ?? { topicId: topic.id, partitions: [] };
    requests.set(topic.id, request);
    request.partitions.push({
      partition: target.partition,
      fetchOffset: BigInt(target.position),
      partitionMaxBytes,
      currentLeaderEpoch: -1,
      lastFetchedEpoch: -1,
    });
  }
  return { byLeader: new Map([...byLeader].map(([leader, requests]) => [leader, [...requests.values()]])), topicNames };
}

export interface Buffered {
  records: BusRecord[];
  bytes: number;
}

interface RecordBatchLike {
  attributes: number;
  firstOffset: bigint;
  firstTimestamp: bigint;
  records: readonly { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] }[];
}

const IS_CONTROL_BATCH = 0x20;
const EMPTY = Buffer.alloc(0);

/** Records at or after `from` (a fetch may start inside a batch), control batches left out. */
export function toRecords(topic: string, partition: number, batches: readonly RecordBatchLike[], from: number): Buffered {
  const records: BusRecord[] = [];
  let bytes = 0;
  for (const batch of batches) {
    if (batch.attributes & IS_CONTROL_BATCH) continue;
    for (const record of batch.records) {
      const offset = Number(batch.firstOffset) + record.offsetDelta;
      if (offset < from) continue;
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of record.headers) if (name) headers[name.toString()] = value ?? EMPTY;
      const key = record.key ?? EMPTY;
      const value = record.value ?? EMPTY;
      records.push({ topic, partition, offset, key, value, headers, timestamp: Number(batch.firstTimestamp + record.timestampDelta) });
      bytes += key.length + value.length;
    }
  }
  return { records, bytes };
}
