import { Consumer, ListOffsetTimestamps, type GroupAssignment } from '@platformatic/kafka';
import { ConsumerCore, tpKey, type ConsumerSettings, type OwnedPartition } from '../consumer-core.js';
import { BusUnavailableError } from '../errors.js';
import type { BusConsumer, BusRecord, ConsumerCloseOptions, ConsumerStats, TopicPartition, TopicPartitionOffset } from '../types.js';
import { brokerErrorIds } from './kafka-errors.js';
import { planFetch, toRecords, type Buffered } from './kafka-fetch.js';

/** Kafka-side settings of a consumer, from the bus options. */
export interface KafkaConsumerClientSettings {
  brokers: readonly string[];
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  /** Longest a fetch waits for new records; also how long pause/close may wait for a fetch. */
  fetchMaxWaitMs: number;
  /** Bound of one fetch response: what a consumer holds beyond the batch being handled. */
  fetchMaxBytes: number;
}

/**
 * A member of a Kafka consumer group. @platformatic/kafka keeps the membership (join, sync,
 * heartbeats, rejoin on rebalance); the fetch loop here is ours, so that delivery is one
 * partition's batch at a time, paused partitions are not fetched, and at most one fetch
 * response is held in memory.
 */
export class KafkaConsumer implements BusConsumer {
  readonly group: string;
  readonly #core: ConsumerCore;
  readonly #client: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #settings: KafkaConsumerClientSettings;
  readonly #buffer = new Map<string, Buffered>();
  /** member: delivering; rebalancing: between the broker's rebalance notice and the new assignment. */
  #membership: 'joining' | 'member' | 'rebalancing' = 'joining';
  #groupChain: Promise<void> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: ConsumerSettings, client: KafkaConsumerClientSettings, onConsumed: (messages: number, bytes: number) => void) {
    this.group = settings.group;
    this.#core = new ConsumerCore(settings, onConsumed);
    this.#settings = client;
    this.#client = new Consumer({
      clientId: client.clientId,
      bootstrapBrokers: [...client.brokers],
      groupId: settings.group,
      sessionTimeout: client.sessionTimeoutMs,
      heartbeatInterval: client.heartbeatIntervalMs,
      rebalanceTimeout: client.rebalanceTimeoutMs,
      connectTimeout: client.connectTimeoutMs,
      timeout: client.requestTimeoutMs,
      retries: client.retries,
      retryDelay: client.retryDelayMs,
      autocommit: false,
      minBytes: 1,
      maxBytes: client.fetchMaxBytes,
      maxWaitTime: client.fetchMaxWaitMs,
    });
    // Emitted before the client rejoins: stop handing out batches until the new assignment.
    this.#client.on('consumer:group:rebalance', () => {
      if (this.#core.stopped) return;
      this.#membership = 'rebalancing';
      this.#buffer.clear();
    });
    this.#client.on('consumer:group:join', (payload) => {
      const assignments = payload.assignments ?? [];
      this.#serialize(() => this.#applyAssignment(assignments));
    });
    // The client gave up rejoining (broker away longer than its retries): this member is out of
    // the group and its partitions may be another's. Drop them and keep trying to rejoin.
    this.#client.on('error', (error: unknown) => {
      this.#core.settings.onError(error);
      if (this.#core.stopped) return;
      this.#membership = 'rebalancing';
      this.#buffer.clear();
      this.#serialize(async () => {
        await this.#core.revoke(this.#core.assignment());
        await this.#retry(() => this.#client.joinGroup({}));
      });
    });
  }

  /** Joins the group; resolves once the first assignment is in place. */
  async start(): Promise<void> {
    this.#client.topics.trackAll(...this.#core.settings.topics);
    await this.#client.joinGroup({});
    await this.#groupChain;
    this.#loop = this.#run();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#core.checkOwned(offsets);
    if (offsets.length === 0) return;
    try {
      await this.#client.commit({
        offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })),
      });
    } catch (error) {
      throw new BusUnavailableError(`commit for group ${this.group} failed: ${[...brokerErrorIds(error)].join(', ') || String(error)}`, { cause: error });
    }
    this.#core.counters.commits++;
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#core.pause(partitions);
    for (const tp of partitions) this.#buffer.delete(tpKey(tp.topic, tp.partition));
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#core.resume(partitions);
  }

  paused(): TopicPartition[] {
    return this.#core.paused();
  }

  assignment(): TopicPartition[] {
    return this.#core.assignment();
  }

  isReady(): boolean {
    return this.#membership === 'member' && !this.#core.stopped;
  }

  stats(): ConsumerStats {
    let bufferedBytes = 0;
    for (const buffered of this.#buffer.values()) bufferedBytes += buffered.bytes;
    return { ...this.#core.stats(), bufferedBytes };
  }

  close(options: ConsumerCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: ConsumerCloseOptions): Promise<void> {
    this.#core.stopped = true;
    this.#core.wakeup.notify();
    await this.#loop;
    await this.#groupChain;
    await this.#core.idle();
    let failure: unknown;
    const delivered = this.#core.deliveredOffsets();
    if (options.commitDelivered && delivered.length > 0) await this.commit(delivered).catch((error: unknown) => (failure = error));
    await this.#core.revoke(this.#core.assignment());
    this.#buffer.clear();
    // Leaving the group lets the others take the partitions at once instead of after the session timeout.
    await this.#client.close().catch((error: unknown) => (failure ??= error));
    if (failure) throw failure;
  }

  #serialize(step: () => Promise<void>): void {
    this.#groupChain = this.#groupChain.then(step).catch((error: unknown) => this.#core.settings.onError(error));
  }

  async #applyAssignment(assignments: readonly GroupAssignment[]): Promise<void> {
    if (this.#core.stopped) return;
    const subscribed = new Set(this.#core.settings.topics);
    const next = new Map<string, TopicPartition>();
    for (const { topic, partitions } of assignments) {
      if (!subscribed.has(topic)) continue;
      for (const partition of partitions) next.set(tpKey(topic, partition), { topic, partition });
    }
    const lost = this.#core.assignment().filter((tp) => !next.has(tpKey(tp.topic, tp.partition)));
    const owned = new Set(this.#core.owned.keys());
    const gained = [...next.entries()].filter(([key]) => !owned.has(key)).map(([, tp]) => tp);
    for (const tp of lost) this.#buffer.delete(tpKey(tp.topic, tp.partition));
    await this.#core.revoke(lost);
    if (gained.length > 0) {
      const positions = await this.#retry(() => this.#startPositions(gained));
      if (!positions) return;
      await this.#core.assign(gained, (tp) => positions.get(tpKey(tp.topic, tp.partition)) ?? 0);
    }
    if (this.#membership !== 'member') this.#membership = 'member';
    this.#core.wakeup.notify();
  }

  /** Retries a step the assignment cannot do without, until it works or the consumer closes. */
  async #retry<T>(step: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (this.#core.stopped) return undefined;
        this.#core.settings.onError(error);
        await new Promise((resolve) => setTimeout(resolve, this.#core.settings.retryBackoffMs));
      }
    }
  }

  /** The group's committed offsets; where there is none, the start or end of the partition. */
  async #startPositions(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const committed = await this.#client.listCommittedOffsets({
      topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })),
    });
    const positions = new Map<string, number>();
    const missing = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      const offset = committed.get(topic)?.[partition];
      if (offset !== undefined && offset >= 0n) positions.set(tpKey(topic, partition), Number(offset));
      else missing.set(topic, [...(missing.get(topic) ?? []), partition]);
    }
    if (missing.size > 0) {
      const ends = await this.#client.listOffsets({
        topics: [...missing.keys()],
        partitions: Object.fromEntries(missing),
        timestamp: this.#core.settings.startFrom === 'latest' ? ListOffsetTimestamps.LATEST : ListOffsetTimestamps.EARLIEST,
      });
      for (const [topic, list] of missing) {
        for (const partition of list) positions.set(tpKey(topic, partition), Number(ends.get(topic)?.[partition] ?? 0n));
      }
    }
    return positions;
  }

  async #run(): Promise<void> {
    const core = this.#core;
    while (!core.stopped) {
      if (!core.open || this.#membership !== 'member') {
        await core.wakeup.wait();
        continue;
      }
      const now = Date.now();
      const ready = this.#nextBuffered(now);
      if (ready) {
        await this.#deliverBuffered(ready);
        continue;
      }
      const targets = [...core.owned.values()].filter((p) => core.deliverable(p, now));
      if (targets.length === 0) {
        await core.wakeup.wait(core.nextRetryIn(now));
        continue;
      }
      try {
        // Nothing to ask for (no leader known yet, or the topic is gone): wait instead of spinning.
        if (!(await this.#fetch(targets))) await core.wakeup.wait(core.settings.retryBackoffMs);
      } catch (error) {
        if (core.stopped) break;
        core.settings.onError(error);
        if (brokerErrorIds(error).has('OFFSET_OUT_OF_RANGE')) await this.#resetOutOfRange(targets).catch(core.settings.onError);
        await core.wakeup.wait(core.settings.retryBackoffMs);
      }
    }
  }

  #nextBuffered(now: number): OwnedPartition | undefined {
    for (const [key, buffered] of this.#buffer) {
      const partition = this.#core.owned.get(key);
      if (partition && buffered.records.length > 0 && this.#core.deliverable(partition, now)) return partition;
    }
    return undefined;
  }

  async #deliverBuffered(partition: OwnedPartition): Promise<void> {
    const buffered = this.#buffer.get(partition.key);
    if (!buffered) return;
    const { maxBatchRecords, maxBatchBytes } = this.#core.settings;
    const batch: BusRecord[] = [];
    let bytes = 0;
    for (const record of buffered.records) {
      const size = record.key.length + record.value.length;
      if (batch.length > 0 && (batch.length >= maxBatchRecords || bytes + size > maxBatchBytes)) break;
      batch.push(record);
      bytes += size;
    }
    await this.#core.deliver(partition, batch, bytes);
    // Whatever the handler completed is dropped from the buffer; after an error it stays for the retry.
    const current = this.#buffer.get(partition.key);
    if (!current) return;
    let done = 0;
    let doneBytes = 0;
    while (done < current.records.length && (current.records[done] as BusRecord).offset < partition.position) {
      const record = current.records[done] as BusRecord;
      doneBytes += record.key.length + record.value.length;
      done++;
    }
    current.records.splice(0, done);
    current.bytes -= doneBytes;
    if (current.records.length === 0) this.#buffer.delete(partition.key);
  }

  /** False when no request could be made. */
  async #fetch(targets: readonly OwnedPartition[]): Promise<boolean> {
    const metadata = await this.#client.metadata({ topics: [...new Set(targets.map((t) => t.topic))] });
    const plan = planFetch(metadata, targets, Math.max(this.#core.settings.maxBatchBytes, 64 * 1024));
    if (plan.byLeader.size === 0) {
      this.#client.clearMetadata();
      return false;
    }
    const asked = new Map(targets.map((t) => [t.key, { partition: t, offset: t.position }]));
    const responses = await Promise.all(
      [...plan.byLeader].map(([node, topics]) =>
        this.#client.fetch({ node, topics, maxWaitTime: this.#settings.fetchMaxWaitMs, minBytes: 1, maxBytes: this.#settings.fetchMaxBytes }),
      ),
    );
    for (const response of responses) {
      for (const topicResponse of response.responses) {
        const topic = plan.topicNames.get(topicResponse.topicId);
        if (!topic) continue;
        for (const partitionResponse of topicResponse.partitions) {
          const key = tpKey(topic, partitionResponse.partitionIndex);
          const request = asked.get(key);
          // Drop what arrived for a partition paused, revoked or moved while the fetch was out.
          if (!request || this.#core.owned.get(key) !== request.partition || request.partition.position !== request.offset) continue;
          if (this.#core.pausedKeys.has(key) || this.#membership !== 'member') continue;
          const buffered = toRecords(topic, partitionResponse.partitionIndex, partitionResponse.records ?? [], request.offset);
          if (buffered.records.length > 0) this.#buffer.set(key, buffered);
        }
      }
    }
    return true;
  }

  /** A position outside the log (retention deleted it) moves to the nearest end that exists. */
  async #resetOutOfRange(targets: readonly OwnedPartition[]): Promise<void> {
    const topics = [...new Set(targets.map((t) => t.topic))];
    const [earliest, latest] = await Promise.all([
      this.#client.listOffsets({ topics, timestamp: ListOffsetTimestamps.EARLIEST }),
      this.#client.listOffsets({ topics, timestamp: ListOffsetTimestamps.LATEST }),
    ]);
    for (const target of targets) {
      const low = Number(earliest.get(target.topic)?.[target.partition] ?? 0n);
      const high = Number(latest.get(target.topic)?.[target.partition] ?? 0n);
      if (target.position < low) target.position = low;
      else if (target.position > high) target.position = high;
    }
  }
}
