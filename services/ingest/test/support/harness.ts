// Starts ingest on ephemeral ports in front of a bus (Kafka by default, with a fresh spans
// topic), and reads the spans topic back through the bus.
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { createKafkaBus, type Bus, type BusConsumer, type BusRecord, type KafkaBusOptions } from '@tracebar/bus';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@tracebar/runtime';
import { createIngest, type Ingest, type Normalizer } from '../../src/index.js';

export const testBrokers = (): string[] => (process.env.TRACEBAR_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Short group timings, so a reader joins in well under a second. */
export const fastKafka: Partial<KafkaBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 200,
  rebalanceTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  retryDelayMs: 100,
  requestTimeoutMs: 10_000,
};

export const quietLogger = (): Logger => createLogger({ name: 'ingest-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const uniqueName = (label: string): string => `test.ingest.${label}.${randomUUID().slice(0, 8)}`;

/** Deletes the topics a test file created on the shared broker. */
export async function deleteTopics(names: readonly string[], brokers = testBrokers()): Promise<void> {
  if (names.length === 0) return;
  const admin = new Admin({ clientId: `ingest-test-cleanup-${randomUUID().slice(0, 6)}`, bootstrapBrokers: brokers });
  try {
    const existing = new Set(await admin.listTopics());
    const ours = names.filter((name) => existing.has(name));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } catch {
    // Best effort: the broker is shared and topics are uniquely named.
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export interface HarnessOptions {
  label: string;
  /** Config on top of the test defaults (ephemeral ports, a fresh topic, the Kafka bus). */
  config?: Record<string, unknown>;
  /** A bus to use instead of a new Kafka bus (closed by the harness all the same). */
  bus?: Bus;
  brokers?: string[];
  kafka?: Partial<KafkaBusOptions>;
  /** Defaults to ingest's own (src/normalize) with the harness's config. */
  normalizer?: Normalizer;
}

export interface Harness {
  config: TracebarConfig;
  bus: Bus;
  ingest: Ingest;
  registry: Registry;
  topic: string;
  /** POST URL of OTLP/HTTP. */
  tracesUrl: string;
  grpcAddress: string;
  /** A reader of the spans topic (a new consumer group from the start of the topic). */
  reader(): Promise<SpanReader>;
  /** Shuts ingest down, closes readers and the bus. */
  close(): Promise<void>;
}

export interface SpanReader {
  records: BusRecord[];
  waitFor(count: number, timeoutMs?: number): Promise<BusRecord[]>;
  /** Waits until no record came for `quietMs`, then returns all. */
  settle(quietMs?: number, timeoutMs?: number): Promise<BusRecord[]>;
  /** Commits everything read so far (frees room in a memory bus's partitions). */
  commit(): Promise<void>;
  close(): Promise<void>;
}

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const topic = uniqueName(options.label);
  const brokers = options.brokers ?? testBrokers();
  const config = configSchema.parse(
    merge(
      {
        otlp: { grpc: { port: 0 }, http: { port: 0 } },
        topics: { spans: { name: topic, partitions: 3 } },
        bus: { kind: options.bus?.kind ?? 'kafka', kafka: { brokers } },
      },
      options.config ?? {},
    ),
  );
  const bus =
    options.bus ??
    createKafkaBus({ brokers, clientId: `ingest-test-${randomUUID().slice(0, 6)}`, ...fastKafka, maxInFlightBytes: config.bus.maxInFlightBytes, publishTimeoutMs: config.bus.publishTimeoutMs, ...options.kafka });
  const spans = config.topics.spans;
  await bus.ensureTopics([{ name: spans.name, partitions: spans.partitions, retentionMs: spans.retentionMs, maxMessageBytes: spans.maxMessageBytes }]);
  const registry = createMetricsRegistry();
  const ingest = createIngest({ config, bus, logger: quietLogger(), registry, ...(options.normalizer ? { normalizer: options.normalizer } : {}) });
  await ingest.start();
  const readers: SpanReader[] = [];

  return {
    config,
    bus,
    ingest,
    registry,
    topic,
    tracesUrl: `${ingest.addresses().http}/v1/traces`,
    grpcAddress: ingest.addresses().grpc,
    async reader() {
      const reader = await readTopic(bus, topic);
      readers.push(reader);
      return reader;
    },
    async close() {
      await ingest.shutdown(AbortSignal.timeout(10_000));
      await Promise.allSettled(readers.map((reader) => reader.close()));
      await bus.close();
    },
  };
}

export async function readTopic(bus: Bus, topic: string): Promise<SpanReader> {
  const records: BusRecord[] = [];
  let lastArrival = Date.now();
  const consumer: BusConsumer = await bus.subscribe({
    group: `${topic}.reader.${randomUUID().slice(0, 6)}`,
    topics: [topic],
    handler: async (batch) => {
      records.push(...batch.records);
      lastArrival = Date.now();
    },
  });
  return {
    records,
    async waitFor(count, timeoutMs = 30_000) {
      await waitUntil(`${count} records in ${topic} (have ${records.length})`, () => records.length >= count, timeoutMs);
      return records;
    },
    async settle(quietMs = 1_500, timeoutMs = 60_000) {
      await waitUntil(`${topic} to go quiet`, () => Date.now() - lastArrival >= quietMs, timeoutMs);
      return records;
    },
    async commit() {
      const ends = new Map<number, number>();
      for (const record of records) ends.set(record.partition, Math.max(ends.get(record.partition) ?? 0, record.offset + 1));
      await consumer.commit([...ends].map(([partition, offset]) => ({ topic, partition, offset })));
    },
    close: () => consumer.close(),
  };
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The value of one counter or gauge series from the registry, 0 when absent. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const value of values) {
    if (Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected)) sum += value.value;
  }
  return sum;
}
