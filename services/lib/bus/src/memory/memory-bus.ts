import { createByteGate } from '../byte-gate.js';
import { consumerSettings } from '../consumer-core.js';
import { BusClosedError, PayloadTooLargeError, UnknownTopicError } from '../errors.js';
import { keyBytes, partitionFor } from '../partitioner.js';
import { messageBytes } from '../message-size.js';
import { checkMessages, checkOpen, publishTimeout } from '../publish-checks.js';
import { diffTopic, validateTopicSpecs } from '../topic-spec.js';
import type { Bus, BusConsumer, BusHooks, BusStats, EnsureTopicsResult, OutgoingMessage, TopicSpec } from '../types.js';
import { MemoryConsumer } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { MemoryTopic, type Portion } from './memory-topic.js';

export interface MemoryBusOptions {
  /** Bytes of publish calls waiting for room, per bus. Default 64 MiB. */
  maxInFlightBytes?: number;
  /** How long publish waits for room before BusFullError. Default 5000 ms. */
  publishTimeoutMs?: number;
  /** Bound of one partition's retained (not yet committed by every group) messages. Default 64 MiB. */
  maxPartitionBytes?: number;
  /** Default 100,000. */
  maxPartitionMessages?: number;
  /** The hint BusFullError carries. Default 1000 ms. */
  retryAfterMs?: number;
  hooks?: BusHooks;
}

/** The in-process bus of the embedded mode: bounded partition logs, consumer groups, backpressure. */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const limits = {
    maxPartitionBytes: options.maxPartitionBytes ?? 64 * 1_048_576,
    maxPartitionMessages: options.maxPartitionMessages ?? 100_000,
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

  const topicNamed = (name: string): MemoryTopic => {
    const topic = topics.get(name);
    if (!topic) throw new UnknownTopicError(name);
    return topic;
  };

  const ensureTopics = (specs: readonly TopicSpec[], ensure: { increasePartitions?: boolean } = {}): Promise<EnsureTopicsResult> => {
    validateTopicSpecs(specs);
    const result: EnsureTopicsResult = { created: [], increased: [], differences: [] };
    for (const spec of specs) {
      const existing = topics.get(spec.name);
      if (!existing) {
        topics.set(spec.name, new MemoryTopic({ ...spec }, limits));
        result.created.push(spec.name);
        continue;
      }
      const differences = diffTopic(spec, {
        partitions: existing.logs.length,
        retentionMs: existing.spec.retentionMs,
        maxMessageBytes: existing.spec.maxMessageBytes,
      });
      if (ensure.increasePartitions && existing.logs.length < spec.partitions) {
        existing.addPartitions(spec.partitions);
        result.increased.push(spec.name);
      }
      result.differences.push(...differences);
    }
    return Promise.resolve(result);
  };

  const append = (topic: MemoryTopic, messages: readonly OutgoingMessage[], partitions: readonly number[]): void => {
    const now = Date.now();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as OutgoingMessage;
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = keyBytes(value);
      topic.log(partitions[i] as number).append(keyBytes(message.key), message.value, headers, messageBytes(message), now);
    }
    topic.notifyAppend();
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
    const release = await gate.acquire(bytes, { timeoutMs, signal });
    try {
      await topic.admit(portions, { deadline, signal, retryAfterMs }, () => append(topic, messages, partitions));
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
      let group = groups.get(settings.group);
      if (!group) {
        const name = settings.group;
        group = new MemoryGroup(name, topicNamed, settings.ephemeral ? () => groups.delete(name) : undefined);
        groups.set(name, group);
      }
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
      return Promise.resolve(closed ? { ready: false, reason: 'closed' } : { ready: true });
    },
    stats(): BusStats {
      let evictedMessages = 0;
      for (const topic of topics.values()) evictedMessages += topic.evicted;
      return { ...counters, inFlightBytes: gate.inUse(), maxInFlightBytes: gate.capacity, evictedMessages };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all([...consumers].map((consumer) => consumer.close()));
        const error = new BusClosedError('the bus closed while this publish waited for room');
        gate.rejectWaiters(error);
        for (const topic of topics.values()) topic.failWaiters(error);
        await Promise.allSettled([...pending]);
      })();
      return closing;
    },
  };
  return bus;
}
