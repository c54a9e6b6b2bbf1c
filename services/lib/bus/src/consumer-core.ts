import { InvalidArgumentError, NotAssignedError } from './errors.js';
import type { BusBatch, BusRecord, ConsumerStats, PartitionsCallback, SubscribeOptions, TopicPartition, TopicPartitionOffset } from './types.js';
import { Wakeup } from './wakeup.js';

export interface OwnedPartition extends TopicPartition {
  readonly key: string;
  /** Next offset to hand to the handler. */
  position: number;
  /** Not before this time (after a handler error). */
  retryAt: number;
  /** Set once a handler completed a batch of this partition; what commitDelivered commits. */
  delivered: number | undefined;
}

export interface ConsumerSettings {
  group: string;
  topics: readonly string[];
  handler: SubscribeOptions['handler'];
  onAssigned: PartitionsCallback | undefined;
  onRevoked: PartitionsCallback | undefined;
  onError: (error: unknown) => void;
  startFrom: 'earliest' | 'latest';
  ephemeral: boolean;
  maxBatchRecords: number;
  maxBatchBytes: number;
  retryBackoffMs: number;
}

export function consumerSettings(options: SubscribeOptions): ConsumerSettings {
  if (!options.group) throw new InvalidArgumentError('subscribe: group is required');
  if (options.topics.length === 0) throw new InvalidArgumentError('subscribe: at least one topic is required');
  return {
    group: options.group,
    topics: [...new Set(options.topics)],
    handler: options.handler,
    onAssigned: options.onAssigned,
    onRevoked: options.onRevoked,
    onError: options.onError ?? (() => undefined),
    startFrom: options.startFrom ?? 'earliest',
    ephemeral: options.ephemeral ?? false,
    maxBatchRecords: positive('maxBatchRecords', options.maxBatchRecords ?? 500),
    maxBatchBytes: positive('maxBatchBytes', options.maxBatchBytes ?? 1_048_576),
    retryBackoffMs: options.retryBackoffMs ?? 1_000,
  };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`subscribe: ${name} must be a positive integer`);
  return value;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * What the in-process and Kafka consumers share: owned partitions and their positions, pauses,
 * one handler call at a time, retry after a handler error, the revoke/assign callbacks, and
 * stats. Each implementation adds where records come from.
 */
export class ConsumerCore {
  readonly settings: ConsumerSettings;
  readonly owned = new Map<string, OwnedPartition>();
  readonly pausedKeys = new Set<string>();
  readonly wakeup = new Wakeup();
  readonly counters: ConsumerStats = {
    consumedMessages: 0,
    consumedBytes: 0,
    batches: 0,
    handlerErrors: 0,
    commits: 0,
    rebalances: 0,
    bufferedBytes: 0,
  };
  stopped = false;
  #holds = 0;
  #inFlight: Promise<void> | undefined;
  readonly #onConsumed: (messages: number, bytes: number) => void;

  constructor(settings: ConsumerSettings, onConsumed: (messages: number, bytes: number) => void) {
    this.settings = settings;
    this.#onConsumed = onConsumed;
  }

  /** Delivery may start a new batch now (no revoke in progress, not stopping). */
  get open(): boolean {
    return !this.stopped && this.#holds === 0;
  }

  deliverable(partition: OwnedPartition, now: number): boolean {
    return !this.pausedKeys.has(partition.key) && partition.retryAt <= now && this.owned.get(partition.key) === partition;
  }

  /** Milliseconds until the earliest partition in retry backoff becomes deliverable. */
  nextRetryIn(now: number): number | undefined {
    let soonest: number | undefined;
    for (const partition of this.owned.values()) {
      if (partition.retryAt > now && !this.pausedKeys.has(partition.key)) soonest = Math.min(soonest ?? Infinity, partition.retryAt - now);
    }
    return soonest;
  }

  /** Runs the handler on one batch; advances the partition only if it resolves. */
  deliver(partition: OwnedPartition, records: readonly BusRecord[], bytes: number): Promise<void> {
    const last = records[records.length - 1];
    if (!last) return Promise.resolve();
    const batch: BusBatch = { topic: partition.topic, partition: partition.partition, records, nextOffset: last.offset + 1 };
    const run = (async () => {
      try {
        await this.settings.handler(batch);
        this.counters.batches++;
        this.counters.consumedMessages += records.length;
        this.counters.consumedBytes += bytes;
        this.#onConsumed(records.length, bytes);
        if (this.owned.get(partition.key) === partition) {
          partition.position = batch.nextOffset;
          partition.delivered = batch.nextOffset;
        }
      } catch (error) {
        this.counters.handlerErrors++;
        partition.retryAt = Date.now() + this.settings.retryBackoffMs;
        this.settings.onError(error);
      }
    })();
    this.#inFlight = run;
    return run.finally(() => {
      if (this.#inFlight === run) this.#inFlight = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /** Holds delivery while `step` runs (a revoke, a close). */
  async hold<T>(step: () => Promise<T>): Promise<T> {
    this.#holds++;
    try {
      return await step();
    } finally {
      this.#holds--;
      this.wakeup.notify();
    }
  }

  /**
   * Waits for the in-flight handler, forgets the partitions, then tells the owner. They are gone
   * before onRevoked runs, so a commit from it is refused: in Kafka the partition may already
   * belong to another member by then (see the README).
   */
  async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    const mine = partitions.filter((tp) => this.owned.has(tpKey(tp.topic, tp.partition)));
    if (mine.length === 0) return;
    await this.hold(async () => {
      await this.idle();
      for (const tp of mine) this.owned.delete(tpKey(tp.topic, tp.partition));
      this.counters.rebalances++;
      await this.#callback(this.settings.onRevoked, mine);
    });
  }

  async assign(partitions: readonly TopicPartition[], position: (tp: TopicPartition) => number): Promise<void> {
    if (this.stopped || partitions.length === 0) return;
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      this.owned.set(key, { topic: tp.topic, partition: tp.partition, key, position: position(tp), retryAt: 0, delivered: undefined });
    }
    this.counters.rebalances++;
    await this.#callback(this.settings.onAssigned, partitions);
    this.wakeup.notify();
  }

  /** Rejects the whole commit if any partition is not owned, before anything is stored. */
  checkOwned(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      if (!this.owned.has(tpKey(topic, partition))) throw new NotAssignedError(topic, partition);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`commit: bad offset ${offset} for ${topic}/${partition}`);
    }
  }

  deliveredOffsets(): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = [];
    for (const p of this.owned.values()) {
      if (p.delivered !== undefined) offsets.push({ topic: p.topic, partition: p.partition, offset: p.delivered });
    }
    return offsets;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.pausedKeys.add(tpKey(tp.topic, tp.partition));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.pausedKeys.delete(tpKey(tp.topic, tp.partition));
    this.wakeup.notify();
  }

  paused(): TopicPartition[] {
    return [...this.owned.values()].filter((p) => this.pausedKeys.has(p.key)).map(({ topic, partition }) => ({ topic, partition }));
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  stats(): ConsumerStats {
    return { ...this.counters };
  }

  async #callback(callback: PartitionsCallback | undefined, partitions: readonly TopicPartition[]): Promise<void> {
    if (!callback) return;
    try {
      await callback(partitions.map(({ topic, partition }) => ({ topic, partition })));
    } catch (error) {
      this.settings.onError(error);
    }
  }
}
