import { z } from 'zod';
import { byteSize, durationMs } from './units.js';

const port = z.number().int().min(0).max(65_535);
const host = z.string().min(1);

const endpoint = (defaultPort: number) =>
  z.strictObject({ host: host.default('127.0.0.1'), port: port.default(defaultPort) }).prefault({});

const topic = (name: string, overrides: { partitions?: number; retentionMs?: number; maxMessageBytes?: number } = {}) =>
  z
    .strictObject({
      /** Kafka topic name; the version suffix changes when the message schema breaks. */
      name: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)').default(name),
      partitions: z.number().int().min(1).max(10_000).default(overrides.partitions ?? 12),
      replicationFactor: z.number().int().min(1).max(16).default(1),
      retentionMs: durationMs.default(overrides.retentionMs ?? 7 * 86_400_000),
      maxMessageBytes: byteSize.pipe(z.number().min(1_024)).default(overrides.maxMessageBytes ?? 1_048_576),
    })
    .prefault({});

export const topicsSchema = z
  .strictObject({
    spans: topic('tracebar.spans.v1', { retentionMs: 3 * 86_400_000 }),
    sessions: topic('tracebar.sessions.v1', { maxMessageBytes: 8 * 1_048_576 }),
    scores: topic('tracebar.scores.v1'),
    review: topic('tracebar.review.v1', { partitions: 3 }),
    alerts: topic('tracebar.alerts.v1', { partitions: 1 }),
    labels: topic('tracebar.labels.v1', { partitions: 3 }),
    deadLetter: topic('tracebar.deadletter.v1', { partitions: 1, retentionMs: 30 * 86_400_000, maxMessageBytes: 8 * 1_048_576 }),
  })
  .prefault({});

const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .min(1, 'expected at least one broker host:port')
      .default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('tracebar'),
    connectTimeoutMs: durationMs.default(10_000),
    requestTimeoutMs: durationMs.default(30_000),
    sessionTimeoutMs: durationMs.default(30_000),
    heartbeatIntervalMs: durationMs.default(3_000),
  })
  .prefault({});

const memoryBusSchema = z
  .strictObject({
    /** Bound of one topic partition's retained (not yet committed by every group) messages. */
    maxPartitionBytes: byteSize.default(64 * 1_048_576),
    maxPartitionMessages: z.number().int().min(1).default(100_000),
  })
  .prefault({});

export const busSchema = z
  .strictObject({
    kind: z.enum(['memory', 'kafka']).default('memory'),
    /** Bytes a producer may have unacknowledged before publish waits, then fails retryably. */
    maxInFlightBytes: byteSize.default(64 * 1_048_576),
    publishTimeoutMs: durationMs.default(5_000),
    memory: memoryBusSchema,
    kafka: kafkaSchema,
  })
  .prefault({});

export const clickhouseSchema = z
  .strictObject({
    /** A ClickHouse server's HTTP(S) URL; unset means the embedded chDB engine under dataDir. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8123' }).optional(),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a database identifier').default('tracebar'),
    requestTimeoutMs: durationMs.default(30_000),
  })
  .prefault({});

const maskPattern = z.union([
  z.enum(['email', 'card', 'ipv4', 'bearer']),
  z.strictObject({
    name: z.string().min(1),
    /** A JavaScript regular expression source, applied globally to string values. */
    regex: z.string().min(1).refine((source) => {
      try {
        new RegExp(source, 'g');
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression'),
    replacement: z.string().default('[redacted]'),
  }),
]);

export const ingestSchema = z
  .strictObject({
    /**
     * API keys and the tenant each maps to. Empty (the embedded default, bound to 127.0.0.1)
     * means no key is asked for and everything is tenant `default`.
     */
    apiKeys: z
      .array(
        z.strictObject({
          key: z.string().min(16, 'expected an API key of at least 16 characters'),
          tenant: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, 'expected a tenant id: 1-64 letters, digits, . _ -'),
        }),
      )
      .default([]),
    /** Largest request body, counted after decompression (so a gzip bomb stops here). */
    maxBodyBytes: byteSize.pipe(z.number().min(1_024)).default(16 * 1_048_576),
    maxSpansPerRequest: z.number().int().min(1).default(100_000),
    /** Attributes kept per span (beyond: dropped and counted, as OTel SDK limits do). */
    maxAttributesPerSpan: z.number().int().min(1).default(1_024),
    /** String attribute values longer than this many characters are truncated (and counted). */
    maxAttributeValueLength: z.number().int().min(16).default(65_536),
    /** Decoded request bytes held while waiting for the bus to acknowledge; beyond it, refuse retryably. */
    maxInFlightBytes: byteSize.default(128 * 1_048_576),
    /** Retry-After sent with a retryable refusal. */
    retryAfterMs: durationMs.default(1_000),
    redaction: z
      .strictObject({
        /** Attribute keys removed before anything leaves ingest; `*` matches any run of characters. */
        dropKeys: z.array(z.string().min(1)).default([]),
        /** Attribute keys whose values are replaced by a salted SHA-256 (joinable, not readable). */
        hashKeys: z.array(z.string().min(1)).default([]),
        hashSalt: z.string().default(''),
        /** Built-in patterns (email, card, ipv4, bearer) or { name, regex, replacement }, masked in string values. */
        maskPatterns: z.array(maskPattern).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z.strictObject({
  /** Embedded data (chDB files) lives here. */
  dataDir: z.string().min(1).default('./.tracebar'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  admin: endpoint(13_133),
  otlp: z.strictObject({ grpc: endpoint(4_317), http: endpoint(4_318) }).prefault({}),
  ingest: ingestSchema,
  bus: busSchema,
  topics: topicsSchema,
  clickhouse: clickhouseSchema,
  shutdown: z
    .strictObject({
      /** How long a graceful shutdown may take to drain in-flight work before the process exits anyway. */
      timeoutMs: durationMs.default(30_000),
    })
    .prefault({}),
});

export type TracebarConfig = z.infer<typeof configSchema>;
export type TopicConfig = TracebarConfig['topics']['spans'];
export type TopicRole = keyof TracebarConfig['topics'];
export type IngestConfig = TracebarConfig['ingest'];
