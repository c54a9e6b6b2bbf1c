import { createByteGate } from '../byte-gate.js';
import { consumerSettings } from '../consumer-core.js';
import { BusClosedError, BusUnavailableError, PayloadTooLargeError, UnknownTopicError } from '../errors.js';
import { keyBytes, partitionFor } from '../partitioner.js';
import { messageBytes } from '../message-size.js';
import { checkMessages, checkOpen, publishTimeout } from '../publish-checks.js';
import { diffTopic, validateTopicSpecs } from '../topic-spec.js';
import type { Bus, BusConsumer, BusHooks, BusStats, EnsureTopicsResult, OutgoingMessage, TopicSpec } from '../types.js';
import { DurableLog, type GroupOffsets } from './durable-log.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { MemoryTopic, type Portion } from './memory-topic.js';

export interface MemoryBusOptions {
  /** Bytes of publish calls waiting for room, per bus. Default 64 MiB. */
  maxInFlightBytes?: number;
  /** How long publish waits for room before BusFullError. Default 5000 ms. */
  publishTimeoutMs?: number;
  /**
   * Bound of one partition's retained (not yet committed by every group) messages in memory.
   * Default 64 MiB. With `durable`, the oldest of them leave memory at the bound and are read
   * back from the files when a group gets to them: `durable.maxPartitionBytes` bounds them all.
   */
  maxPartitionBytes?: number;
  /** Default 100,000 (in memory, like maxPartitionBytes). */
  maxPartitionMessages?: number;
  /** The hint BusFullError carries. Default 1000 ms. */
  retryAfterMs?: number;
  /**
   * Keep every partition in segment files under `dir` too, and the groups' offsets: publish
   * resolves after the records are fdatasynced, and a new bus on the same `dir` (a restart,
   * kill -9 included) resumes every group at its committed offset. Unset: memory only.
   */
  durable?: {
    dir: string;
    segmentBytes?: number;
    /** Bound of one partition's retained messages, on disk and in memory. Default 8 GiB. */
    maxPartitionBytes?: number;
  };
  hooks?: BusHooks;
}

/** The in-process bus of the embedded mode: bounded partition logs, consumer groups, backpressure. */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const limits = {
    maxPartitionBytes: options.maxPartitionBytes ?? 64 * 1_048_576,
    maxPartitionMessages: options.maxPartitionMessages ?? 100_000,
    maxPartitionDiskBytes: options.durable ? Math.max(options.durable.maxPartitionBytes ?? 8 * 1_073_741_824, options.maxPartitionBytes ?? 64 * 1_048_576) : undefined,
  };
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const retryAfterMs = options.retryAfterMs ?? 1_000;
  const gate = createByteGate(options.maxInFlightBytes ?? 64 * 1_048_576, retryAfterMs);
  const topics = new Map<string, MemoryTopic>();
  const groups = new Map<string, MemoryGroup>();
  const consumers = new Set<MemoryConsumer>();
  const pending = new Set<Promise<unknown>>();
  const counters = { producedMessages: 0, producedBytes: 0, publishFull: 0, publishErrors: 0, consumedMessages: 0, consumedBytes: 0 };
  let closed = false;
  let closing: Promise<void> | undefined;
  const durable = options.durable ? new DurableLog(options.durable.dir, options.durable.segmentBytes ?? 16 * 1_048_576) : undefined;
  let ensuring: Promise<unknown> = Promise.resolve();

  const lastingOffsets = (): GroupOffsets => {
    const offsets: GroupOffsets = new Map();
    for (const group of groups.values()) if (!group.ephemeral) offsets.set(group.name, group.offsets());
    return offsets;
  };
  const persist = durable ? () => durable.persistOffsets(lastingOffsets) : undefined;
  /** An ephemeral group's last member left: nothing of it stays (a tail per request would otherwise pile up). */
  const forget = (name: string): void => {
    groups.delete(name);
    for (const consumer of consumers) if (consumer.group === name) consumers.delete(consumer);
  };
  const groupNamed = (name: string, ephemeral: boolean): MemoryGroup => {
    let group = groups.get(name);
    if (!group) {
      group = ephemeral ? new MemoryGroup(name, topicNamed, () => forget(name)) : new MemoryGroup(name, topicNamed, undefined, persist);
      groups.set(name, group);
    }
    return group;
  };

  const topicNamed = (name: string): MemoryTopic => {
    const topic = topics.get(name);
    if (!topic) throw new UnknownTopicError(name);
    return topic;
  };

  /** Durable bus: a topic's files opened (created or read back), its records and its groups' offsets restored. */
  const openTopic = async (spec: TopicSpec, log: DurableLog, increase: boolean): Promise<{ topic: MemoryTopic; created: boolean; stored: TopicSpec }> => {
    // What comes back into memory leaves room for publishers; the rest is read from the files.
    const resident = Math.min(limits.maxPartitionBytes / 2, 16 * 1_048_576);
    const opened = await log.openTopic(spec, increase ? spec.partitions : 0, (p) => topics.get(spec.name)?.log(p).baseOffset ?? 0, resident);
    const topic = new MemoryTopic({ ...opened.spec }, limits);
    const restored = [...log.restoredOffsets()].map(([name, entries]) => [name, entries.filter((e) => e.topic === spec.name)] as const);
    opened.partitions.forEach((loaded, p) => {
      // With nothing retained, continue after every offset a group committed (never hand one out again).
      let next = loaded.nextOffset;
      if (loaded.records.length === 0 && loaded.spilled.length === 0) for (const [, entries] of restored) for (const e of entries) if (e.partition === p) next = Math.max(next, e.offset);
      topic.log(p).spillTo(log.segments(spec.name, p));
      topic.log(p).restore(loaded, next);
    });
    topics.set(spec.name, topic);
    for (const [name, entries] of restored) if (entries.length > 0) groupNamed(name, false).restore(topic, entries);
    return { topic, created: opened.created, stored: opened.spec };
  };

  const ensureTopicsNow = async (specs: readonly TopicSpec[], ensure: { increasePartitions?: boolean }): Promise<EnsureTopicsResult> => {
    validateTopicSpecs(specs);
    const result: EnsureTopicsResult = { created: [], increased: [], differences: [] };
    for (const spec of specs) {
      let existing = topics.get(spec.name);
      let actual = existing?.spec;
      if (!existing && durable) {
        const opened = await openTopic(spec, durable, ensure.increasePartitions ?? false);
        if (opened.created) {
          result.created.push(spec.name);
          continue;
        }
        existing = opened.topic;
        actual = opened.stored;
      }
      if (!existing || !actual) {
        topics.set(spec.name, new MemoryTopic({ ...spec }, limits));
        result.created.push(spec.name);
        continue;
      }
      const differences = diffTopic(spec, {
        partitions: actual.partitions,
        retentionMs: actual.retentionMs,
        maxMessageBytes: actual.maxMessageBytes,
      });
      if (ensure.increasePartitions && existing.logs.length < spec.partitions) {
        await durable?.addPartitions(spec.name, spec.partitions);
        existing.addPartitions(spec.partitions);
        if (durable) for (const log of existing.logs) log.spillTo(durable.segments(spec.name, log.partition));
        result.increased.push(spec.name);
      }
      result.differences.push(...differences);
    }
    return result;
  };

  // One at a time: two callers must not open the same topic's files twice.
  const ensureTopics = (specs: readonly TopicSpec[], ensure: { increasePartitions?: boolean } = {}): Promise<EnsureTopicsResult> => {
    const run = ensuring.then(() => ensureTopicsNow(specs, ensure));
    ensuring = run.catch(() => undefined);
    return run;
  };

  const append = (topic: MemoryTopic, messages: readonly OutgoingMessage[], partitions: readonly number[]): void => {
    const now = Date.now();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as OutgoingMessage;
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = keyBytes(value);
      const key = keyBytes(message.key);
      const bytes = messageBytes(message);
      const partition = partitions[i] as number;
      const log = topic.log(partition);
      const offset = log.append(key, message.value, headers, bytes, now, !durable);
      if (durable) {
        durable.stage(durable.segments(topic.spec.name, partition), { offset, timestamp: now, bytes, key, value: message.value, headers }, (end) => {
          log.markReadable(end);
          topic.notifyAppend();
          topic.readableGrew();
        });
      }
    }
    if (!durable) topic.notifyAppend();
  };

  const checkDurable = (): void => {
    const failure = durable?.failure();
    if (failure) throw new BusUnavailableError(`the bus's files failed (${failure.message}); restart to recover from them`, { cause: failure });
  };

  const publishNow = async (name: string, messages: readonly OutgoingMessage[], timeoutMs: number, signal?: AbortSignal): Promise<void> => {
    const started = Date.now();
    const topic = topicNamed(name);
    checkMessages(name, messages, topic.spec.maxMessageBytes);
    if (messages.length === 0) return;
    const partitions = messages.map((m) => partitionFor(m.key, topic.logs.length));
    const portions = new Map<number, Portion>();
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const size = messageBytes(messages[i] as OutgoingMessage);
      bytes += size;
      const portion = portions.get(partitions[i] as number) ?? { count: 0, bytes: 0 };
      portion.count++;
      portion.bytes += size;
      portions.set(partitions[i] as number, portion);
    }
    for (const [partition, portion] of portions) {
      if (topic.exceedsCapacity(portion)) {
        throw new PayloadTooLargeError(`publish to ${name}/${partition} exceeds the partition's capacity; split it`);
      }
    }
    const deadline = started + timeoutMs;
    checkDurable();
    const release = await gate.acquire(bytes, { timeoutMs, signal });
    try {
      await topic.admit(portions, { deadline, signal, retryAfterMs }, () => append(topic, messages, partitions));
      // Acknowledged once on disk; the bytes stay in flight until then.
      if (durable) await durable.flush().catch(() => checkDurable());
    } finally {
      release();
    }
    counters.producedMessages += messages.length;
    counters.producedBytes += bytes;
    options.hooks?.onPublished?.({ topic: name, messages: messages.length, bytes, latencyMs: Date.now() - started });
  };

  const bus: Bus = {
    kind: 'memory',
    ensureTopics,
    async publish(name, messages, publishOptions) {
      checkOpen(closed);
      const run = publishNow(name, messages, publishTimeout(publishOptions, publishTimeoutMs), publishOptions?.signal);
      pending.add(run);
      try {
        await run;
      } catch (error) {
        if (error instanceof Error && error.name === 'BusFullError') counters.publishFull++;
        else counters.publishErrors++;
        throw error;
      } finally {
        pending.delete(run);
      }
    },
    async subscribe(subscribeOptions): Promise<BusConsumer> {
      checkOpen(closed);
      const settings = consumerSettings(subscribeOptions);
      for (const name of settings.topics) topicNamed(name);
      const group = groupNamed(settings.group, settings.ephemeral);
      const consumer = new MemoryConsumer(settings, group, topicNamed, (messages, bytes) => {
        counters.consumedMessages += messages;
        counters.consumedBytes += bytes;
      });
      consumers.add(consumer);
      await consumer.start();
      return consumer;
    },
    partitions(name) {
      try {
        return Promise.resolve(topicNamed(name).logs.length);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    health() {
      const failure = durable?.failure();
      if (failure) return Promise.resolve({ ready: false, reason: `files failed: ${failure.message}` });
      return Promise.resolve(closed ? { ready: false, reason: 'closed' } : { ready: true });
    },
    stats(): BusStats {
      let evictedMessages = 0;
      let readBackMessages = 0;
      let spilledBytes = 0;
      for (const topic of topics.values()) {
        evictedMessages += topic.evicted;
        for (const log of topic.logs) {
          readBackMessages += log.readBack;
          spilledBytes += log.retainedBytes - log.bytes;
        }
      }
      return { ...counters, inFlightBytes: gate.inUse(), maxInFlightBytes: gate.capacity, evictedMessages, readBackMessages, spilledBytes };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all([...consumers].map((consumer) => consumer.close()));
        const error = new BusClosedError('the bus closed while this publish waited for room');
        gate.rejectWaiters(error);
        for (const topic of topics.values()) topic.failWaiters(error);
        await Promise.allSettled([...pending]);
        await durable?.close();
      })();
      return closing;
    },
  };
  return bus;
}
