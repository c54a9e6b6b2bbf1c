import { Admin, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { createByteGate } from '../byte-gate.js';
import { consumerSettings } from '../consumer-core.js';
import { BusClosedError, BusFullError, InvalidArgumentError, UnknownTopicError } from '../errors.js';
import { checkOpen, publishTimeout } from '../publish-checks.js';
import type { Bus, BusConsumer, BusHealth, BusHooks, BusStats, OutgoingMessage, PublishOptions } from '../types.js';
import { KafkaTopics, type TopicInfo } from './kafka-admin.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { toBusError } from './kafka-errors.js';
import { prepareMessages } from './kafka-messages.js';
import { KafkaSender } from './kafka-sender.js';

export interface KafkaBusOptions {
  /** host:port of one or more brokers. */
  brokers: readonly string[];
  /** Default 'tracebar'. */
  clientId?: string;
  /** Unacknowledged bytes of this bus's producer before publish waits. Default 64 MiB. */
  maxInFlightBytes?: number;
  /** How long publish waits for room before BusFullError. Default 5000 ms. */
  publishTimeoutMs?: number;
  /** The hint BusFullError carries. Default 1000 ms. */
  retryAfterMs?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** One broker request, produce included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Client retries of a failed request before publish fails with BusUnavailableError. Default 3. */
  retries?: number;
  /** Default 250 ms. */
  retryDelayMs?: number;
  /** Consumer group session; the broker allows 6 s to 5 min by default. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Default 3 s. */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin in a rebalance. Default 60 s. */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch long-polls; also the longest pause/close wait for a fetch. Default 500 ms. */
  fetchMaxWaitMs?: number;
  /** Bound of one fetch response per consumer. Default 8 MiB. */
  fetchMaxBytes?: number;
  /** Bound of one produce request. Default 8 MiB. */
  maxRequestBytes?: number;
  /** How long a topic's partition count and max.message.bytes are cached. Default 60 s. */
  metadataMaxAgeMs?: number;
  /** Default 'none' (span payloads are protobuf; see the README before turning it on). */
  compression?: CompressionAlgorithmValue;
  hooks?: BusHooks;
}

/** The scale-out bus: Apache Kafka through @platformatic/kafka (acks=all, idempotent producer). */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  if (options.brokers.length === 0) throw new InvalidArgumentError('createKafkaBus: at least one broker is required');
  const clientId = options.clientId ?? 'tracebar';
  const brokers = [...options.brokers];
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const retryAfterMs = options.retryAfterMs ?? 1_000;
  const common = {
    bootstrapBrokers: brokers,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    timeout: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    retryDelay: options.retryDelayMs ?? 250,
  };
  const gate = createByteGate(options.maxInFlightBytes ?? 64 * 1_048_576, retryAfterMs);
  const admin = new Admin({ clientId: `${clientId}-admin`, ...common });
  const topics = new KafkaTopics(admin);
  const sender = new KafkaSender(
    { clientId: `${clientId}-producer`, ...common, idempotent: true, autocreateTopics: false, compression: options.compression ?? 'none' },
    options.maxRequestBytes ?? 8 * 1_048_576,
  );
  const consumerClient = {
    brokers,
    clientId: `${clientId}-consumer`,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
    connectTimeoutMs: common.connectTimeout,
    requestTimeoutMs: common.timeout,
    retries: common.retries,
    retryDelayMs: common.retryDelay,
    fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
    fetchMaxBytes: options.fetchMaxBytes ?? 8 * 1_048_576,
  };
  const metadataMaxAgeMs = options.metadataMaxAgeMs ?? 60_000;
  const infoCache = new Map<string, { info: Promise<TopicInfo>; at: number }>();
  const consumers = new Set<KafkaConsumer>();
  const pending = new Set<Promise<unknown>>();
  const counters = { producedMessages: 0, producedBytes: 0, publishFull: 0, publishErrors: 0, consumedMessages: 0, consumedBytes: 0 };
  let closed = false;
  let closing: Promise<void> | undefined;

  const topicInfo = (topic: string): Promise<TopicInfo> => {
    const cached = infoCache.get(topic);
    if (cached && Date.now() - cached.at < metadataMaxAgeMs) return cached.info;
    const info = topics.describe(topic);
    infoCache.set(topic, { info, at: Date.now() });
    info.catch(() => infoCache.delete(topic));
    return info;
  };

  const publishNow = async (topic: string, messages: readonly OutgoingMessage[], publishOptions: PublishOptions | undefined): Promise<void> => {
    const started = Date.now();
    const timeoutMs = publishTimeout(publishOptions, publishTimeoutMs);
    const info = await topicInfo(topic).catch((error: unknown) => {
      throw toBusError(error, topic);
    });
    const prepared = prepareMessages(topic, messages, info.partitions, info.maxMessageBytes);
    if (messages.length === 0) return;
    const bytes = prepared.totalBytes;
    const release = await gate.acquire(bytes, { timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)), signal: publishOptions?.signal });
    try {
      await sender.send(topic, prepared, info.maxMessageBytes);
    } catch (error) {
      if (error instanceof UnknownTopicError) infoCache.delete(topic);
      throw error;
    } finally {
      release();
    }
    counters.producedMessages += messages.length;
    counters.producedBytes += bytes;
    options.hooks?.onPublished?.({ topic, messages: messages.length, bytes, latencyMs: Date.now() - started });
  };

  return {
    kind: 'kafka',
    async ensureTopics(specs, ensureOptions) {
      checkOpen(closed);
      const result = await topics.ensure(specs, ensureOptions);
      for (const spec of specs) infoCache.delete(spec.name);
      return result;
    },
    async publish(topic, messages, publishOptions) {
      checkOpen(closed);
      const run = publishNow(topic, messages, publishOptions);
      pending.add(run);
      try {
        await run;
      } catch (error) {
        if (error instanceof BusFullError) counters.publishFull++;
        else counters.publishErrors++;
        throw error;
      } finally {
        pending.delete(run);
      }
    },
    async subscribe(subscribeOptions): Promise<BusConsumer> {
      checkOpen(closed);
      const settings = consumerSettings(subscribeOptions);
      await Promise.all(settings.topics.map((topic) => topicInfo(topic)));
      const consumer = new KafkaConsumer(settings, consumerClient, (messages, bytes) => {
        counters.consumedMessages += messages;
        counters.consumedBytes += bytes;
      });
      consumers.add(consumer);
      try {
        await consumer.start();
      } catch (error) {
        await consumer.close().catch(() => undefined);
        throw error;
      }
      return consumer;
    },
    async partitions(topic) {
      infoCache.delete(topic);
      return (await topicInfo(topic)).partitions;
    },
    async health(): Promise<BusHealth> {
      if (closed) return { ready: false, reason: 'closed' };
      try {
        await withTimeout(admin.metadata({ topics: [], forceUpdate: true }), 2_000);
        return { ready: true };
      } catch (error) {
        return { ready: false, reason: `kafka unreachable: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
    stats(): BusStats {
      return { ...counters, inFlightBytes: gate.inUse(), maxInFlightBytes: gate.capacity, evictedMessages: 0, readBackMessages: 0, spilledBytes: 0 };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        gate.rejectWaiters(new BusClosedError('the bus closed while this publish waited for room'));
        await Promise.allSettled([...consumers].map((consumer) => consumer.close()));
        await Promise.allSettled([...pending]);
        await sender.close();
        await admin.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
